/** The validated options (`SingapayResolvedOptions`) of one registration. */
export const SINGAPAY_RESOLVED_OPTIONS = Symbol('SINGAPAY_RESOLVED_OPTIONS');
/** The `HttpService` (own axios instance) of one registration. */
export const SINGAPAY_HTTP_SERVICE = Symbol('SINGAPAY_HTTP_SERVICE');
/** The clock the module reads; overridable in tests. */
export const SINGAPAY_CLOCK = Symbol('SINGAPAY_CLOCK');

export type SingapayClock = () => number;

/** Logger context of every line the module writes. */
export const SINGAPAY_LOGGER_CONTEXT = 'Singapay';
