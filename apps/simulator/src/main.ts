// `npm run simulator` runs the same command-line entry the package ships as `npx singapay-simulator`.
import '@app/singapay-simulator/cli/singapay-simulator.js';
