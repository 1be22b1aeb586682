package io.stockade.proto;

import com.google.protobuf.Any;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import java.util.Objects;

/**
 * Packs and unpacks {@link Any} the way containerd does.
 *
 * <p>containerd (typeurl v2) writes bare type URLs, i.e. the message's full name such as
 * {@code containerd.events.TaskExit}, where protobuf-java's {@link Any#pack} would write
 * {@code type.googleapis.com/containerd.events.TaskExit}. Go decoders accept both, so Stockade emits the bare form to
 * match containerd byte for byte, and accepts both forms (anything ending in {@code /<full name>}) when decoding.
 */
public final class TypeUrls {

    private TypeUrls() {
    }

    /** The bare type URL containerd uses for {@code message}'s type: its full protobuf name. */
    public static String of(Message message) {
        return message.getDescriptorForType().getFullName();
    }

    /** The bare type URL containerd uses for messages of {@code type}. */
    public static String of(Class<? extends Message> type) {
        return Internal.getDefaultInstance(type).getDescriptorForType().getFullName();
    }

    /** Wraps {@code message} into an {@link Any} with containerd's bare type URL. */
    public static Any pack(Message message) {
        Objects.requireNonNull(message, "message");
        return Any.newBuilder().setTypeUrl(of(message)).setValue(message.toByteString()).build();
    }

    /** Whether {@code any} holds a message of {@code type}, in either the bare or the prefixed form. */
    public static boolean is(Any any, Class<? extends Message> type) {
        return fullNameOf(any.getTypeUrl()).equals(of(type));
    }

    /**
     * Decodes {@code any} as {@code type}.
     *
     * @throws InvalidProtocolBufferException if {@code any} holds another type (the message names the expected and
     *     the actual type URL) or its bytes do not parse as {@code type}
     */
    public static <T extends Message> T unpack(Any any, Class<T> type) throws InvalidProtocolBufferException {
        Objects.requireNonNull(any, "any");
        String expected = of(type);
        if (!fullNameOf(any.getTypeUrl()).equals(expected)) {
            throw new InvalidProtocolBufferException(
                    "Any holds type URL '" + any.getTypeUrl() + "', expected '" + expected + "' (bare or with a '/' prefix)");
        }
        T defaultInstance = Internal.getDefaultInstance(type);
        try {
            @SuppressWarnings("unchecked")
            T parsed = (T) defaultInstance.getParserForType().parseFrom(any.getValue());
            return parsed;
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProtocolBufferException(
                    "Any with type URL '" + any.getTypeUrl() + "' does not parse as " + expected + ": " + e.getMessage());
        }
    }

    /** The full message name in a type URL: everything after the last '/', or the whole URL when it is bare. */
    static String fullNameOf(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    }
}
