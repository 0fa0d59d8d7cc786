export * from '../web/activation_layer.js';
