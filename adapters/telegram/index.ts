export { readTelegramError, telegramAdapter, type TelegramAccountsOptions, type TelegramAdapterOptions, type TelegramBotCredentials } from './telegram-adapter.js';
export type { AccountNotice } from '../_shared/accounts/index.js';
