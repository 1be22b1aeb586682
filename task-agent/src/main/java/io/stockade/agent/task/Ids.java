package io.stockade.agent.task;

import io.grpc.Status;

import java.util.regex.Pattern;

/**
 * Container and exec ids: they become file names and runtime arguments, so only runc's safe
 * alphabet is allowed.
 */
final class Ids {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}");

    private Ids() {}

    /** INVALID_ARGUMENT naming the field and the id unless it is a valid id. */
    static String requireValid(String what, String id) {
        if (!VALID.matcher(id).matches()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            what
                                    + " '"
                                    + id
                                    + "' is invalid: use 1-128 characters from [A-Za-z0-9_.+-], starting with a letter or digit")
                    .asRuntimeException();
        }
        return id;
    }
}
