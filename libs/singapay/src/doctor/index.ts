export { runSingapayDoctor } from './singapay-doctor.js';
export type {
  SingapayDoctorInquiry,
  SingapayDoctorOptions,
  SingapayDoctorReport,
  SingapayDoctorStep,
  SingapayDoctorStepName,
} from './singapay-doctor.js';
export { loadSingapayDoctorEnv } from './singapay-doctor.env.js';
export type { SingapayDoctorEnv } from './singapay-doctor.env.js';
