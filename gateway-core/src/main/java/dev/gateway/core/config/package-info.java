/**
 * The settings as immutable records, read strictly from YAML merged over {@code gateway-defaults.yaml}.
 * Uses Jackson only, and no other package of the gateway. Values and their validation with the setting's
 * dotted path in errors; nothing is started or built from them here (no Netty, no sockets, no threads).
 */
package dev.gateway.core.config;
