package dev.gateway.core.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The upstream deadline of a connection's current {@link ProxyCall}. One timer per connection, reused
 * from call to call: arming, disarming and pushing a deadline are field writes, and the timer is only
 * rescheduled when it fires early or must fire sooner. A request therefore costs no timer-queue work
 * in the common case (answered before its deadline).
 */
final class CallClock {
    private final EventExecutor executor;
    private ScheduledFuture<?> timer;
    private long timerFiresNanos;
    private long deadlineNanos;
    private ProxyCall owner;

    CallClock(EventExecutor executor) {
        this.executor = executor;
    }

    /** Starts (or moves) the owner's deadline to {@code timeoutNanos} from now. */
    void arm(ProxyCall call, long timeoutNanos) {
        owner = call;
        long now = System.nanoTime();
        deadlineNanos = now + timeoutNanos;
        if (timer != null && timerFiresNanos - deadlineNanos > 0) {
            timer.cancel(false); // it would fire too late
            timer = null;
        }
        if (timer == null) {
            schedule(now);
        }
    }

    /** Moves a running deadline of this owner out (a stream showed life). */
    void push(ProxyCall call, long timeoutNanos) {
        if (owner == call) {
            deadlineNanos = System.nanoTime() + timeoutNanos;
        }
    }

    /** Stops the owner's deadline; the timer, if any, fires later and finds nothing to do. */
    void disarm(ProxyCall call) {
        if (owner == call) {
            owner = null;
        }
    }

    void close() {
        owner = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long now) {
        timerFiresNanos = deadlineNanos;
        timer = executor.schedule(this::fire, deadlineNanos - now, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        if (owner == null) {
            return;
        }
        long now = System.nanoTime();
        if (deadlineNanos - now > 0) {
            schedule(now);
            return;
        }
        ProxyCall expired = owner;
        owner = null;
        expired.onDeadline();
    }
}
