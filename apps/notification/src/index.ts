export * from './notification.module.js';
