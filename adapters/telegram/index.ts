export { readTelegramError, telegramAdapter, type TelegramAdapterOptions } from './telegram-adapter.js';
