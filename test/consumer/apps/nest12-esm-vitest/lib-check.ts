// Every public name of the main entry and the simulator, type-checked with skipLibCheck false.
import * as singapay from 'nestjs-singapay';
import * as simulator from 'nestjs-singapay/simulator';

export const entries: [typeof singapay, typeof simulator] = [singapay, simulator];
