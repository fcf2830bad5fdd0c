package dev.adamant.checkpoint;

import java.io.IOException;

/** A checkpoint file that is malformed, corrupt, or does not fit the optimizer it is loaded into. */
public final class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
