/**
 * Captured traffic, one exchange per JSON line: {@code CaptureRecord} defines a line (what is kept, how it
 * is written and read back, which headers never are), for the writer that samples live traffic and for the
 * replay that sends it again ({@code java -jar gateway.jar replay}; {@code docs/ops/capture-and-replay.md}).
 * A leaf: the JDK and Jackson only, no other package of the gateway, no Netty (Netty's headers are an
 * {@code Iterable} of entries, which {@code CaptureRecord.scrub} takes as they are).
 */
package dev.gateway.core.capture;
