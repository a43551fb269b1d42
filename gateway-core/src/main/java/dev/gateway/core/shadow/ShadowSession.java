package dev.gateway.core.shadow;

import dev.gateway.codec.RequestIds;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import java.util.function.Function;

/**
 * One shadowed exchange: the copy to the shadow target (the candidate), optionally a second copy to the
 * primary's own stack (the baseline, for noise), and the primary's answer copied as it is relayed. Once
 * the primary's answer is complete and every copy has ended, the answers go to the comparison. The
 * primary's proxy call feeds it; everything happens on the client connection's loop.
 */
public final class ShadowSession implements ShadowCall.Done {
    private final Shadowing owner;
    private final Shadowing.Request request;
    private final ShadowCall candidate;
    private final ShadowCall baseline;
    private final ResponseCopy primary;
    private ResponseCopy candidateAnswer;
    private ResponseCopy baselineAnswer;
    private int open;
    private boolean primaryEnded;
    private boolean primaryAnswered;
    private boolean finished;

    /**
     * @param candidate makes the copy to the shadow target, given who it reports to
     * @param baseline makes the second copy to the primary's stack, or {@code null} for none
     */
    ShadowSession(Shadowing owner, Shadowing.Request request, int maxResponseBytes,
            Function<ShadowCall.Done, ShadowCall> candidate, Function<ShadowCall.Done, ShadowCall> baseline) {
        this.owner = owner;
        this.request = request;
        this.primary = new ResponseCopy(maxResponseBytes);
        this.candidate = candidate.apply(this);
        this.baseline = baseline == null ? null : baseline.apply(this);
        this.open = this.baseline == null ? 1 : 2;
    }

    void start(EventLoop loop, long timeoutNanos) {
        candidate.start(loop, timeoutNanos);
        if (baseline != null) {
            baseline.start(loop, timeoutNanos);
        }
    }

    /** A part of the request body on its way to the primary: each copy gets a retained duplicate. */
    public void requestContent(HttpContent part) {
        candidate.body(part.retainedDuplicate());
        if (baseline != null) {
            baseline.body(part.retainedDuplicate());
        }
    }

    /**
     * The primary's answer head as its client gets it (rewritten for the client; it stays the relay's),
     * with the request id the exchange adds as it is written.
     */
    public void primaryHead(HttpResponse head) {
        if (!primaryEnded) {
            primary.head(head);
            primary.header(RequestIds.X_REQUEST_ID.toString(), request.requestId());
        }
    }

    /** A part of the primary's answer body, about to be relayed to the client (it stays the relay's). */
    public void primaryContent(HttpContent part) {
        if (!primaryEnded) {
            primary.content(part);
        }
    }

    /**
     * The primary's exchange is over.
     *
     * @param answered its whole answer went by; otherwise nothing is compared and copies still under way
     *     are given up
     */
    public void primaryEnded(boolean answered) {
        if (primaryEnded) {
            return;
        }
        primaryEnded = true;
        primaryAnswered = answered && primary.complete();
        if (!primaryAnswered) {
            candidate.abandon();
            if (baseline != null) {
                baseline.abandon();
            }
        }
        compareWhenDone();
    }

    @Override
    public void ended(ShadowCall call, ShadowCall.Ending ending, ResponseCopy response) {
        open--;
        owner.ended(request, call == baseline, ending);
        if (call == baseline) {
            baselineAnswer = response;
        } else {
            candidateAnswer = response;
        }
        compareWhenDone();
    }

    private void compareWhenDone() {
        if (!primaryEnded || open > 0 || finished) {
            return;
        }
        finished = true; // (giving up the copies reports back here before primaryEnded returns)
        owner.finished(request, primaryAnswered && candidateAnswer != null ? primary : null, candidateAnswer,
                baselineAnswer);
    }
}
