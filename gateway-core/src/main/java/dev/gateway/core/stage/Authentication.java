package dev.gateway.core.stage;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.auth.Unauthenticated;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.tls.ClientCertificates;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.client.Counter;

/**
 * Who is calling, and may they call this operation: 401 without valid credentials, 403 when a scope of
 * the operation's {@code x-required-scopes} is missing. Operations the contract leaves open
 * ({@code security: []}) pass as they are. A credential in the request ({@code Authorization}, else
 * {@code X-API-Key}) wins; without one, the subject of the connection's verified client certificate
 * ({@link ClientCertificates}) is the credential.
 */
public final class Authentication extends RequestStage {
    private static final AsciiString CHALLENGE = AsciiString.cached("Bearer realm=\"gateway\"");
    private static final AsciiString CHALLENGE_INVALID_TOKEN =
            AsciiString.cached("Bearer realm=\"gateway\", error=\"invalid_token\"");

    private final Authenticator authenticator;
    private final Counter.Child unauthenticated;
    private final Counter.Child forbidden;

    /**
     * @param exchanges the connection's lifecycle, which knows the exchange in flight
     * @param authenticator turns credentials into a caller (shared by every connection)
     * @param metrics where refusals are counted ({@code gateway_auth_rejections_total})
     */
    public Authentication(ExchangeLifecycle exchanges, Authenticator authenticator, GatewayMetrics metrics) {
        super(exchanges);
        this.authenticator = authenticator;
        this.unauthenticated = metrics.authRejected(ErrorCode.UNAUTHENTICATED.name());
        this.forbidden = metrics.authRejected(ErrorCode.FORBIDDEN.name());
    }

    @Override
    void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        Operation op = ex.operation().operation();
        if (!op.secured()) {
            ctx.fireChannelRead(request);
            return;
        }
        HttpHeaders h = request.headers();
        Principal principal;
        try {
            principal = authenticator.authenticate(h.get(HttpHeaderNames.AUTHORIZATION),
                    h.get(Authenticator.X_API_KEY), ClientCertificates.subject(ctx.channel()));
        } catch (Unauthenticated e) {
            ReferenceCountUtil.release(request);
            unauthenticated.inc();
            FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.UNAUTHENTICATED, e.getMessage(),
                    ex.requestId());
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                    e.tokenGiven() ? CHALLENGE_INVALID_TOKEN : CHALLENGE);
            ex.respond(ctx, response);
            return;
        }
        String missing = principal.missingScope(op.requiredScopes());
        if (missing != null) {
            ReferenceCountUtil.release(request);
            forbidden.inc();
            ex.reject(ctx, ErrorCode.FORBIDDEN, "missing scope " + missing);
            return;
        }
        ex.authenticated(principal);
        ctx.fireChannelRead(request);
    }
}
