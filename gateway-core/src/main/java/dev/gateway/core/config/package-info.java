/**
 * The settings as immutable records, read strictly from YAML layers merged over {@code gateway-defaults.yaml}.
 * Uses Jackson only (and the marks of its YAML parser, SnakeYAML, for where a document fails to parse), and no
 * other package of the gateway but {@code diff}, whose rules it checks. Values and their validation with the
 * setting's dotted path, file and line in errors, never the value; nothing is started or built from them here
 * (no Netty, no sockets, no threads but the watcher's).
 */
package dev.gateway.core.config;
