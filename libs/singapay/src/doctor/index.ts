export { runSingapayDoctor } from './singapay-doctor.js';
export type {
  SingapayDoctorInquiry,
  SingapayDoctorOptions,
  SingapayDoctorReport,
  SingapayDoctorStep,
  SingapayDoctorStepName,
} from './singapay-doctor.js';
export { parseSingapayDoctorArgs, SingapayDoctorUsageError, SINGAPAY_DOCTOR_USAGE } from './singapay-doctor.args.js';
export { loadSingapayDoctorEnv } from './singapay-doctor.env.js';
export type { SingapayDoctorEnv } from './singapay-doctor.env.js';
