package io.foleystream.cli;

import java.io.PrintStream;

/** A one-line "windows done/total" bar on a terminal; plain lines when the output is not one. */
final class ProgressBar implements JobClient.ProgressListener {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private int lastDrawn = -1;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onWindow(int received, int expected) {
        if (received == lastDrawn) {
            return;
        }
        lastDrawn = received;
        int total = Math.max(expected, received);
        int filled = total == 0 ? 0 : WIDTH * received / total;
        String line = "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] windows " + received + "/"
                + (expected == 0 ? "?" : String.valueOf(total));
        if (terminal) {
            out.print("\r" + line);
        } else {
            out.println(line);
        }
        out.flush();
    }

    void done() {
        if (terminal && lastDrawn >= 0) {
            out.println();
        }
    }
}
