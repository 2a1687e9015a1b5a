import type { SimulatorCommand } from './simulator-api-docs.js';

export interface SingapaySimulatorCategory {
  code: string;
  name: string;
}

export interface SingapaySimulatorProduct {
  code: string;
  command: SimulatorCommand;
  name: string;
  category: SingapaySimulatorCategory;
  /**
   * Fixed-price products (prepaid): face value shown as `amount`. Bills have
   * none: their amount comes from the customer's bill.
   */
  amount?: number;
  /** Fixed-price products: what the deposit is charged and `price` shows. */
  price?: number;
  /** Bills: fee added to the bill amount to make `price`. */
  adminFee?: number;
}

const PLN_TOKEN = { code: 'PLNTOK', name: 'PLN Token' };
const TELKOMSEL = { code: 'TELAS', name: 'Telkomsel/AS' };
const INDOSAT = { code: 'ISAT', name: 'Indosat Ooredoo' };
const TELKOMSEL_DATA = { code: 'TELASD', name: 'Telkomsel/AS' };
const MLBB = { code: 'MLBB', name: 'Mobile Legends' };
const FREE_FIRE = { code: 'FREEFIRE', name: 'Free Fire' };
const GENSHIN = { code: 'GENSHIN', name: 'Genshin Impact' };
const GOOGLE_PLAY = { code: 'GPLAY', name: 'Google Play' };
const STEAM = { code: 'STEAM', name: 'Steam Wallet' };
const BPJS_TK = { code: 'BPJSTK', name: 'BPJS Ketenagakerjaan' };

const fixed = (
  code: string,
  command: SimulatorCommand,
  name: string,
  category: SingapaySimulatorCategory,
  amount: number,
  price: number,
): SingapaySimulatorProduct => Object.freeze({ code, command, name, category, amount, price });

const bill = (
  code: string,
  command: SimulatorCommand,
  name: string,
  category: SingapaySimulatorCategory,
  adminFee: number,
): SingapaySimulatorProduct => Object.freeze({ code, command, name, category, adminFee });

/**
 * Products the simulator sells. The docs print product codes, but only one price and
 * name (SPTKMSF2G30 "Telkomsel Data Flash 2GB 30hr" at 32.500) and one admin fee (1.500,
 * plnpos: the NARSONO bill); those are kept as printed. Everything else is the
 * simulator's own choice: SPPLNTOK 50.000 for 52.500, SPPLNTOK200 at 201.500, SPTLKMAS10
 * at 11.000, 1.500 on the other PLN, PDAM, internet/TV and postpaid mobile bills, 2.500
 * on BPJS Ketenagakerjaan, and the products the docs do not name. Singapay has no
 * product-list endpoint: this table stands in for the price list merchants receive out of band.
 */
export const SINGAPAY_SIMULATOR_PRODUCTS: readonly SingapaySimulatorProduct[] = Object.freeze([
  fixed('SPPLNTOK', 'plntok', 'PLN Token 50.000', PLN_TOKEN, 50_000, 52_500),
  fixed('SPPLNTOK20', 'plntok', 'PLN Token 20.000', PLN_TOKEN, 20_000, 22_500),
  fixed('SPPLNTOK100', 'plntok', 'PLN Token 100.000', PLN_TOKEN, 100_000, 102_500),
  fixed('SPPLNTOK200', 'plntok', 'PLN Token 200.000', PLN_TOKEN, 201_500, 201_500),
  fixed('SPTLKMAS10', 'pulsa', 'Telkomsel/As Pulsa 10.000', TELKOMSEL, 10_000, 11_000),
  fixed('SPTLKMAS25', 'pulsa', 'Telkomsel/As Pulsa 25.000', TELKOMSEL, 25_000, 26_000),
  fixed('SPTLKMAS50', 'pulsa', 'Telkomsel/As Pulsa 50.000', TELKOMSEL, 50_000, 51_000),
  fixed('SPISATIM10', 'pulsa', 'Indosat 10.000', INDOSAT, 10_000, 10_900),
  fixed('SPTKMSF2G30', 'data', 'Telkomsel Data Flash 2GB 30hr', TELKOMSEL_DATA, 32_500, 32_500),
  fixed('SPTKMSF5G30', 'data', 'Telkomsel Data Flash 5GB 30hr', TELKOMSEL_DATA, 55_000, 55_000),
  fixed('SPMLBB86', 'topupg', 'Mobile Legends 86 Diamonds', MLBB, 20_000, 20_500),
  fixed('SPMLBB172', 'topupg', 'Mobile Legends 172 Diamonds', MLBB, 40_000, 40_800),
  fixed('SPFF100', 'topupg', 'Free Fire 100 Diamonds', FREE_FIRE, 15_000, 15_300),
  fixed('SPGI60', 'topupg', 'Genshin Impact 60 Genesis Crystals', GENSHIN, 16_000, 16_500),
  fixed('SPGPLAY20', 'vouchg', 'Google Play 20.000', GOOGLE_PLAY, 20_000, 20_800),
  fixed('SPSTEAM45', 'vouchg', 'Steam Wallet 45.000', STEAM, 45_000, 46_000),
  bill('SPPLNPOS', 'plnpos', 'PLN Pascabayar', { code: 'PLNPOS', name: 'PLN Pascabayar' }, 1_500),
  bill('SPPLNNON', 'plnnon', 'PLN Non Taglis', { code: 'PLNNON', name: 'PLN Non Taglis' }, 1_500),
  bill('SPPAMJYA', 'pdam', 'PAM Jaya', { code: 'PDAM', name: 'PDAM' }, 1_500),
  bill('SPINTOPOKE', 'intv', 'Internet & TV OPOKE', { code: 'INTV', name: 'Internet & TV' }, 1_500),
  bill('SPINTINDIHOME', 'intv', 'IndiHome', { code: 'INTV', name: 'Internet & TV' }, 1_500),
  bill('SPBPJSKS', 'bpjsks', 'BPJS Kesehatan', { code: 'BPJSKS', name: 'BPJS Kesehatan' }, 2_500),
  bill('SPBPJSTKBPU', 'bputk', 'BPJS Ketenagakerjaan BPU', BPJS_TK, 2_500),
  bill('SPBPJSTKPU', 'putk', 'BPJS Ketenagakerjaan PU', BPJS_TK, 2_500),
  bill('SPTKMSPOSH', 'mobpos', 'Telkomsel Halo', { code: 'TELPOS', name: 'Telkomsel Pascabayar' }, 1_500),
  bill('SPISATPOS', 'mobpos', 'Indosat IM3 Postpaid', { code: 'ISATPOS', name: 'Indosat Pascabayar' }, 1_500),
]);

const BY_CODE = new Map(SINGAPAY_SIMULATOR_PRODUCTS.map((product) => [product.code, product]));

export function findSimulatorProduct(code: string): SingapaySimulatorProduct | undefined {
  return BY_CODE.get(code);
}

/** One field a game asks for besides the user id, as `get-parameter-game-topup` lists it. */
export interface SingapaySimulatorGameParameter {
  name: string;
  label: string;
  type: 'text' | 'select';
  required: boolean;
  options?: readonly { value: string; label: string }[];
}

/**
 * Parameters per game category. The response shape of
 * `get-parameter-game-topup` is undocumented; this one is a plausible guess.
 */
export const SINGAPAY_SIMULATOR_GAME_PARAMETERS: Readonly<Record<string, readonly SingapaySimulatorGameParameter[]>> = Object.freeze({
  MLBB: [{ name: 'server_id', label: 'Zone ID', type: 'text', required: true }],
  FREEFIRE: [],
  GENSHIN: [
    {
      name: 'server_id',
      label: 'Server',
      type: 'select',
      required: true,
      options: [
        { value: 'os_asia', label: 'Asia' },
        { value: 'os_usa', label: 'America' },
        { value: 'os_euro', label: 'Europe' },
        { value: 'os_cht', label: 'TW, HK, MO' },
      ],
    },
  ],
});
