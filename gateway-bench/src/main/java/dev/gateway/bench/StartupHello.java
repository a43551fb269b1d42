package dev.gateway.bench;

/**
 * The trivial JVM of the start-up figure: prints a line and exits. Exec to exit of {@code java -cp
 * benchmarks.jar} with it is what booting a JVM costs on this machine now, the figure's denominator.
 */
public final class StartupHello {
    private StartupHello() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
