/**
 * Telegram bots: private chats, group chatter, channel posts, button presses and reactions, by webhook or `getUpdates` polling.
 *
 * @module social-crm/adapters/telegram
 */
export { readTelegramError, telegramAdapter, type TelegramAccountsOptions, type TelegramAdapterOptions, type TelegramBotCredentials } from './telegram-adapter.js';
export type { AccountNotice } from '../_shared/accounts/index.js';
