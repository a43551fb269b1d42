/**
 * The transport: native epoll when available, NIO otherwise, and the listener options that go with it.
 * Uses Netty only and no other package of the gateway; nothing HTTP or gateway-specific goes here.
 */
package dev.gateway.core.net;
