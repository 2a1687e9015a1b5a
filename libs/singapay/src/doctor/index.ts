export { runSingapayDoctor } from './singapay-doctor.js';
export type { SingapayDoctorInquiry, SingapayDoctorOptions, SingapayDoctorReport } from './singapay-doctor.js';
export type { SingapayDoctorStep, SingapayDoctorStepName } from './singapay-doctor.advice.js';
export { loadSingapayDoctorEnv } from './singapay-doctor.env.js';
export type { SingapayDoctorEnv } from './singapay-doctor.env.js';
