package io.stockade.sandboxer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectIdTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "pod-1",
                "c1.exec_2",
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            })
    void acceptsIdsContainerdUses(String id) {
        assertEquals(id, ObjectId.requireValid("sandbox id", id));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"a/b", "..", ".", "../x", ".hidden", "-flag", "a b", "a\nb", "a\0b", "é"})
    void rejectsIdsThatAreNotSafePathComponents(String id) {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ObjectId.requireValid("sandbox id", id));
        assertTrue(e.getMessage().startsWith("sandbox id '"), e.getMessage());
        assertTrue(
                !e.getMessage().contains("\n") && !e.getMessage().contains("\0"),
                "control characters are escaped");
    }

    @org.junit.jupiter.api.Test
    void rejectsEmptyAndOverlongIds() {
        assertEquals(
                "container id is empty",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> ObjectId.requireValid("container id", ""))
                        .getMessage());
        ObjectId.requireValid("id", "x".repeat(ObjectId.MAX_LENGTH));
        assertTrue(
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        ObjectId.requireValid(
                                                "id", "x".repeat(ObjectId.MAX_LENGTH + 1)))
                        .getMessage()
                        .contains("129"));
    }
}
