import pino from 'pino';
import { config } from './config';

/** Structured JSON logs (pino); secrets in headers never reach them. */
export const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.password', '*.passwordHash'] });
