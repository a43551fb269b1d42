package dev.gateway.core.split;

import dev.gateway.core.auth.Principal;
import dev.gateway.core.upstream.Upstream;
import io.netty.util.AsciiString;

/**
 * One route's sticky weighted split: callers whose bucket ({@link CallerBuckets}) is below the canary
 * weight go to the canary (the route's own upstream), everyone else to the stable target. Immutable: a
 * change of weight is a new split in a new {@link MigrationPlan}.
 *
 * @param canary the route's upstream (the new stack)
 * @param stable where callers stay (the old stack)
 * @param canaryBasisPoints share of callers on the canary, {@code 0} to {@link CallerBuckets#BUCKETS}
 */
public record RouteSplit(Upstream canary, Upstream stable, int canaryBasisPoints) {
    /** The request header a tester pins its stack with: {@code canary} or {@code stable}. Never forwarded. */
    public static final AsciiString OVERRIDE_HEADER = AsciiString.cached("x-gateway-target");

    public RouteSplit {
        if (canaryBasisPoints < 0 || canaryBasisPoints > CallerBuckets.BUCKETS) {
            throw new IllegalArgumentException("canary weight " + canaryBasisPoints + " is not 0 to "
                    + CallerBuckets.BUCKETS + " basis points");
        }
    }

    /** The same split with another canary weight. */
    public RouteSplit withWeight(int basisPoints) {
        return new RouteSplit(canary, stable, basisPoints);
    }

    /**
     * Where a caller's request goes.
     *
     * @param caller who authenticated, or {@code null} for an open operation (split by address)
     * @param clientAddress the client's IP address
     * @return {@link Side#CANARY} or {@link Side#STABLE}
     */
    public Side side(Principal caller, String clientAddress) {
        return CallerBuckets.toOther(CallerBuckets.bucket(CallerBuckets.identity(caller, clientAddress)),
                canaryBasisPoints) ? Side.CANARY : Side.STABLE;
    }

    /**
     * What an {@link #OVERRIDE_HEADER} value pins, when the caller may pin it.
     *
     * @param value the header's value, or {@code null} when absent
     * @param caller who authenticated, or {@code null}
     * @param scope the scope that allows pinning
     * @return the pinned side, or {@code null}: no header, a caller without the scope, or a value that is
     *     neither {@code canary} nor {@code stable} (all three are split as usual)
     */
    public static Side pinned(String value, Principal caller, String scope) {
        if (value == null || caller == null || !caller.holds(scope)) {
            return null;
        }
        if (value.equalsIgnoreCase("canary")) {
            return Side.CANARY;
        }
        return value.equalsIgnoreCase("stable") ? Side.STABLE : null;
    }

    /** The upstream of a side. */
    public Upstream upstream(Side side) {
        return side == Side.CANARY ? canary : stable;
    }
}
