package dev.gateway.core.net;

import dev.gateway.core.config.GatewayConfig.Allocator;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/** The buffer allocator every channel of a gateway shares (client, upstream, admin, health checks). */
public final class Allocators {
    private Allocators() {
    }

    /**
     * The pooled allocator gets exactly {@code arenas} heap and direct arenas: each event-loop thread keeps
     * to one arena, so Netty's default (two per core, made for twice as many loops) only reserves chunks
     * (4 MiB each) that no thread fills.
     *
     * @param kind the {@code allocator} setting
     * @param arenas one per thread that allocates: the event loops plus the admin loop
     */
    public static ByteBufAllocator create(Allocator kind, int arenas) {
        if (kind == Allocator.ADAPTIVE) {
            return new AdaptiveByteBufAllocator();
        }
        return new PooledByteBufAllocator(true, arenas, arenas, PooledByteBufAllocator.defaultPageSize(),
                PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(), PooledByteBufAllocator.defaultUseCacheForAllThreads());
    }
}
