/** A balance as `GET /v1/accounts/{account}/balances` and the events stream show it: decimal strings. */
export interface BalanceJson {
  unit: string;
  balance: string;
  held: string;
  available: string;
  debt: string;
}
