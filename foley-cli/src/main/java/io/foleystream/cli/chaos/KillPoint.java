package io.foleystream.cli.chaos;

/** When in a job the chaos drill kills a process, by the job's progress as the killed process sees it. */
public enum KillPoint {
    /** Half of the upload's chunks are on the broker, the rest still to come. */
    UPLOAD("during the upload"),
    /** Half of the job's windows are out of the killed stage. */
    MID_WINDOWS("mid-windows"),
    /** All but the last window are out of the killed stage. */
    LAST_WINDOW("during the last window");

    private final String label;

    KillPoint(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * Whether the job has reached this point.
     *
     * @param chunksSent chunks of the upload on the broker so far, of {@code chunks}
     * @param windowsOut the job's records out of the watched stage so far, of {@code windows}
     */
    public boolean reached(int chunksSent, int chunks, int windowsOut, int windows) {
        return switch (this) {
            case UPLOAD -> 2 * chunksSent >= chunks;
            case MID_WINDOWS -> 2 * windowsOut >= windows;
            case LAST_WINDOW -> windowsOut >= windows - 1;
        };
    }
}
