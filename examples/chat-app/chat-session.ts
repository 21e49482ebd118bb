/** What the page needs to show the user's balance and chat as them: their account and a customer token for it. */
export interface ChatSession {
  /** `user:<the app's user id>` */
  account: string;
  /** `tg_ct_…`: reads this one account, streams its balance, calls the proxy as it. */
  token: string;
}
