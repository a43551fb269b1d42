package dev.gateway.core.http2;

import dev.gateway.core.config.GatewayConfig.Http2Config;
import dev.gateway.core.metrics.Http2Metrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The handlers of an HTTP/2 connection on the public listener, made from {@code listener.http2}: the frame
 * codec with the gateway's SETTINGS (RFC 9113 §6.5.2), its guards, and the multiplexer that gives each
 * stream a channel of its own, whose pipeline the caller builds.
 *
 * <p>What bounds each known attack, so a misbehaving client ends in GOAWAY or RST_STREAM with bounded
 * memory and CPU:
 * <ul>
 * <li>rapid reset (CVE-2023-44487): more than {@value #MAX_RESETS} RST_STREAM frames received in
 *     {@value #RESET_WINDOW_SECONDS} s end the connection (GOAWAY ENHANCE_YOUR_CALM); so do more than as
 *     many resets the gateway had to send ("MadeYouReset", CVE-2025-8671); streams beyond
 *     {@code maxConcurrentStreams} are refused (REFUSED_STREAM);
 * <li>CONTINUATION flood (CVE-2024-27316): a header block is cut at {@code maxHeaderListSize} and after
 *     {@value #MAX_SMALL_CONTINUATION_FRAMES} small CONTINUATION frames;
 * <li>HPACK bomb: the decoded size counts against {@code maxHeaderListSize} (an answer of 431, or
 *     GOAWAY well past it); the dynamic table stays at 4,096 bytes;
 * <li>SETTINGS and PING floods (CVE-2019-9515, -9512): {@link Http2FloodGuard}, and at most
 *     {@value #MAX_QUEUED_CONTROL_FRAMES} answers queued for a client that does not read;
 * <li>empty frames (CVE-2019-9518): more than {@value #MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row;
 * <li>zero-window stalls: {@link Http2SendStallGuard}; request bodies are bounded by the windows the
 *     gateway grants, which it opens only as the upstream takes the bytes.
 * </ul>
 */
public final class Http2Handlers {
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;
    static final int MAX_QUEUED_CONTROL_FRAMES = 1_000;
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    /** After GOAWAY (idle, drain), how long streams still open may take before the connection closes (ms). */
    private static final long GOAWAY_GRACE_MILLIS = 1_000;

    private final Http2Config config;
    private final long sendStallNanos;
    private final Http2Metrics metrics;

    /**
     * @param config the settings of {@code listener.http2}
     * @param sendStallNanos how long a stream's response may wait for the client's window (ns)
     * @param metrics counts connections, floods and stalls
     */
    public Http2Handlers(Http2Config config, long sendStallNanos, Http2Metrics metrics) {
        this.config = config;
        this.sendStallNanos = sendStallNanos;
        this.metrics = metrics;
    }

    /**
     * Adds an HTTP/2 connection's handlers at the end of {@code pipeline}: the frame codec (which sends the
     * server preface at once), the guards, the multiplexer, and {@code connectionHandler}.
     *
     * @param connectionHandler the last handler: gets the connection's events and errors that no stream
     *     took (the codec has answered a connection error with GOAWAY already); closing from it sends GOAWAY
     * @param streams builds each stream channel's pipeline
     * @return the frame codec added
     */
    public Http2FrameCodec addTo(ChannelPipeline pipeline, ChannelHandler connectionHandler, ChannelHandler streams) {
        Http2Settings settings = new Http2Settings()
                .maxConcurrentStreams(config.maxConcurrentStreams())
                .initialWindowSize(config.initialStreamWindowBytes())
                .maxHeaderListSize(config.maxHeaderListBytes())
                .maxFrameSize(config.maxFrameBytes()); // (SETTINGS_ENABLE_PUSH is the client's to send)
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(GOAWAY_GRACE_MILLIS)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .build();
        pipeline.addLast("h2", codec); // sends the server preface (SETTINGS)
        openConnectionWindow(codec);
        pipeline.context(codec).flush();
        pipeline.addLast("h2-floods", new Http2FloodGuard(codec, metrics::flood));
        pipeline.addLast("h2-stalls", new Http2SendStallGuard(codec, sendStallNanos, metrics::sendStalls));
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(streams));
        pipeline.addLast("h2-connection", connectionHandler); // last: sees what the multiplexer passes on
        metrics.connectionOpened();
        return codec;
    }

    /**
     * Grows the connection's receive window to {@code connectionWindow}, from what it is now: the protocol's
     * 65,535 bytes, or more where the codec grew it along with a larger stream window.
     */
    private void openConnectionWindow(Http2FrameCodec codec) {
        Http2Connection connection = codec.connection();
        Http2LocalFlowController flow = connection.local().flowController();
        int delta = config.connectionWindowBytes() - flow.windowSize(connection.connectionStream());
        if (delta <= 0) {
            return;
        }
        try {
            flow.incrementWindowSize(connection.connectionStream(), delta);
        } catch (Http2Exception e) {
            throw new IllegalStateException("cannot open the connection window", e); // within bounds: never
        }
    }
}
