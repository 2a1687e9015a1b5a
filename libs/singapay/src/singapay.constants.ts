/** The validated options (`SingapayResolvedOptions`) of one registration. */
export const SINGAPAY_RESOLVED_OPTIONS = Symbol('SINGAPAY_RESOLVED_OPTIONS');
/** The `HttpService` (own axios instance) of one registration. */
export const SINGAPAY_HTTP_SERVICE = Symbol('SINGAPAY_HTTP_SERVICE');
/** The clock the module reads; overridable in tests. */
export const SINGAPAY_CLOCK = Symbol('SINGAPAY_CLOCK');

export type SingapayClock = () => number;

/** Logger context of every line the module writes. */
export const SINGAPAY_LOGGER_CONTEXT = 'Singapay';

/** The registration's name (`default` for the unnamed one), used in store keys and injection tokens. */
export const SINGAPAY_INSTANCE_NAME = Symbol('SINGAPAY_INSTANCE_NAME');
export const SINGAPAY_DEFAULT_NAME = 'default';
/** The Redis client the module opened from `redisUrl`, or undefined. */
export const SINGAPAY_REDIS = Symbol('SINGAPAY_REDIS');
