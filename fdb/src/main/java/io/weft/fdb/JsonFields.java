package io.weft.fdb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * Typed reads of one JSON object's fields with Go's {@code encoding/json} rules, so weft accepts exactly the
 * configs flanneld accepts: names match case-insensitively, the last matching key in document order wins, unknown
 * keys are ignored, {@code null} leaves the default, and a value of the wrong JSON type is an error naming the field.
 */
final class JsonFields {
    private static final int SHOWN_VALUE_MAX = 40;

    private final JsonNode object;
    /** Prefix for field names in messages: "" at the top level, "Backend." inside the backend object. */
    private final String path;

    JsonFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /** The value of {@code name} (any case), or null when absent or JSON null. */
    JsonNode get(String name) {
        JsonNode found = null;
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            // Java's equalsIgnoreCase folds like Go's EqualFold here, including the Kelvin sign and long s.
            if (e.getKey().equalsIgnoreCase(name)) {
                found = e.getValue();
            }
        }
        return found == null || found.isNull() ? null : found;
    }

    boolean bool(String name, boolean dflt) throws ConfigException {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw wrongType(name, v, "must be true or false (a JSON boolean)");
        }
        return v.booleanValue();
    }

    /** A Go {@code int}/{@code uint} field: a JSON number without fraction or exponent, within int range. */
    long integer(String name, long dflt) throws ConfigException {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw wrongType(name, v, "must be a whole number (a JSON number without quotes)");
        }
        if (!v.canConvertToLong()) {
            throw new ConfigException(field(name), field(name) + " " + v.asText() + ": out of range");
        }
        return v.longValue();
    }

    /** A string field, or null when absent. */
    String string(String name) throws ConfigException {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw wrongType(name, v, "must be a JSON string in quotes");
        }
        return v.textValue();
    }

    /** An object field, or null when absent. */
    JsonFields object(String name) throws ConfigException {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw wrongType(name, v, "must be a JSON object, e.g. {\"Type\": \"vxlan\"}");
        }
        return new JsonFields(v, field(name) + ".");
    }

    String field(String name) {
        return path + name;
    }

    private ConfigException wrongType(String name, JsonNode v, String rule) {
        return new ConfigException(field(name), field(name) + " " + shown(v) + ": " + rule + ", not " + typeName(v));
    }

    static String shown(JsonNode v) {
        String s = v.toString();
        return s.length() <= SHOWN_VALUE_MAX ? s : s.substring(0, SHOWN_VALUE_MAX - 3) + "...";
    }

    private static String typeName(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isNumber()) {
            return v.isIntegralNumber() ? "a number" : "a fractional number";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
