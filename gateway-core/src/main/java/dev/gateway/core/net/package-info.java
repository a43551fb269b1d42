/**
 * The transport: native epoll when available, NIO otherwise, the listener options that go with it, and the
 * buffer allocator every channel shares. Uses Netty and, for the allocator's kind, {@code config}; nothing
 * HTTP or gateway-specific goes here.
 */
package dev.gateway.core.net;
