using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeLab.Core.Control;

/// <summary>
/// What Kubernetes hashes for a pod template: go-spew's <c>%#v</c> printout (hashutil.DeepHashObject: ConfigState
/// {Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}, Fprintf "%#v") of the Go struct, walked here
/// from the object's JSON and <see cref="GoTypes"/>. The formatter's rules (davecgh/go-spew format.go), as this class
/// follows them:
/// <list type="bullet">
/// <item>every value is prefixed with its type in parentheses, "(v1.Container)", except slice elements, map keys
/// and values, and what a pointer points to;</item>
/// <item>structs print "{Field:value Field:value}", every field including zero values; strings print raw, without
/// quotes; numbers and bools as Go prints them;</item>
/// <item>a nil pointer prints "(*T)&lt;nil&gt;", a set one "(*T)" and its value; a nil slice or map
/// "([]T)&lt;nil&gt;", otherwise "[a b]" and "map[k:v k:v]" with the keys sorted;</item>
/// <item>what JSON leaves out is Go's zero value: "" for strings, 0, false, nil for pointers, slices and maps
/// (the API server stores empty lists and maps as absent, so they decode as nil).</item>
/// </list>
/// </summary>
public static class GoSpew
{
    public static string Print(string goType, JsonNode? value)
    {
        var text = new StringBuilder();
        Format(text, goType, value, ignoreType: false);
        return text.ToString();
    }

    private static void Format(StringBuilder text, string type, JsonNode? value, bool ignoreType)
    {
        if (type.StartsWith('*'))
        {
            if (value is null)
            {
                text.Append(ignoreType ? "<nil>" : $"({type})<nil>");
                return;
            }

            text.Append(ignoreType ? "<*>" : $"({type})");
            Format(text, type[1..], value, ignoreType: true);
            return;
        }

        if (!ignoreType)
        {
            text.Append('(').Append(type).Append(')');
        }

        var underlying = Underlying(type);
        if (underlying.StartsWith("[]", StringComparison.Ordinal))
        {
            if (value is not JsonArray { Count: > 0 } array)
            {
                text.Append("<nil>");
                return;
            }

            text.Append('[');
            for (var i = 0; i < array.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(' ');
                }

                Format(text, underlying[2..], array[i], ignoreType: true);
            }

            text.Append(']');
            return;
        }

        if (underlying.StartsWith("map[", StringComparison.Ordinal))
        {
            if (value is not JsonObject { Count: > 0 } map)
            {
                text.Append("<nil>");
                return;
            }

            var (keyType, valueType) = SplitMap(underlying);
            text.Append("map[");
            var first = true;
            // SortKeys: string keys in Go's byte order
            foreach (var (key, item) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!first)
                {
                    text.Append(' ');
                }

                first = false;
                Format(text, keyType, JsonValue.Create(key), ignoreType: true);
                text.Append(':');
                Format(text, valueType, item, ignoreType: true);
            }

            text.Append(']');
            return;
        }

        switch (underlying)
        {
            case "string":
                text.Append(value?.GetValue<string>() ?? "");
                return;
            case "bool":
                text.Append(value?.GetValue<bool>() == true ? "true" : "false");
                return;
            case "int" or "int32" or "int64" or "uint8" or "uint32" or "uint64":
                text.Append(value is null ? "0" : value.ToJsonString());
                return;
            case "v1.Time":
                // metav1.Time{time.Time}: a template's timestamps are unset, Go's zero time
                text.Append("{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}");
                return;
            case "intstr.IntOrString":
                IntOrString(text, value);
                return;
            case "resource.Quantity":
                Quantity(text, value?.GetValue<string>() ?? "0");
                return;
        }

        if (!GoTypes.Structs.TryGetValue(underlying, out var fields))
        {
            throw new InvalidOperationException($"GoSpew: no layout for Go type {type}");
        }

        text.Append('{');
        var obj = value as JsonObject;
        for (var i = 0; i < fields.Length; i++)
        {
            var parts = fields[i].Split(' ');
            if (i > 0)
            {
                text.Append(' ');
            }

            // an embedded struct with ",inline" reads its fields from the same JSON object
            var field = parts[2] == "-" ? obj : obj?[parts[2]];
            text.Append(parts[0]).Append(':');
            Format(text, parts[1], field, ignoreType: false);
        }

        text.Append('}');
    }

    private static string Underlying(string type)
    {
        while (GoTypes.Named.TryGetValue(type, out var next))
        {
            type = next;
        }

        return type;
    }

    private static (string Key, string Value) SplitMap(string type)
    {
        var depth = 0;
        for (var i = 3; i < type.Length; i++)
        {
            depth += type[i] switch { '[' => 1, ']' => -1, _ => 0 };
            if (depth == 0)
            {
                return (type[4..i], type[(i + 1)..]);
            }
        }

        throw new InvalidOperationException($"GoSpew: bad map type {type}");
    }

    /// <summary>intstr.IntOrString{Type, IntVal, StrVal}: a JSON number is Type 0 (Int), a string Type 1 (String).</summary>
    private static void IntOrString(StringBuilder text, JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var s))
        {
            text.Append("{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)").Append(s).Append('}');
        }
        else
        {
            text.Append("{Type:(intstr.Type)0 IntVal:(int32)").Append(value?.ToJsonString() ?? "0").Append(" StrVal:(string)}");
        }
    }

    /// <summary>
    /// resource.Quantity{i int64Amount{value, scale}, d infDecAmount{*inf.Dec}, s string, Format} as ParseQuantity
    /// leaves it (apimachinery pkg/api/resource/quantity.go, the int64 fast path): binary suffixes multiply the
    /// mantissa (scale 0), decimal ones set the scale; the string is kept only when it is already canonical.
    /// Values outside the fast path (fractions of binary units, more than 18 digits) are not supported.
    /// </summary>
    private static void Quantity(StringBuilder text, string quantity)
    {
        var (value, scale, cached, format) = ParseQuantity(quantity);
        text.Append("{i:(resource.int64Amount){value:(int64)").Append(value.ToString(CultureInfo.InvariantCulture))
            .Append(" scale:(resource.Scale)").Append(scale.ToString(CultureInfo.InvariantCulture))
            .Append("} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)").Append(cached)
            .Append(" Format:(resource.Format)").Append(format).Append('}');
    }

    internal static (long Value, int Scale, string Cached, string Format) ParseQuantity(string quantity)
    {
        if (quantity == "0")
        {
            return (0, 0, "0", "DecimalSI");
        }

        var i = 0;
        var negative = false;
        if (i < quantity.Length && quantity[i] is '+' or '-')
        {
            negative = quantity[i] == '-';
            i++;
        }

        var start = i;
        while (i < quantity.Length && char.IsAsciiDigit(quantity[i]))
        {
            i++;
        }

        var whole = quantity[start..i];
        var fraction = "";
        if (i < quantity.Length && quantity[i] == '.')
        {
            var f = ++i;
            while (i < quantity.Length && char.IsAsciiDigit(quantity[i]))
            {
                i++;
            }

            fraction = quantity[f..i];
        }

        var suffix = quantity[i..];
        var binary = suffix switch { "Ki" => 10, "Mi" => 20, "Gi" => 30, "Ti" => 40, "Pi" => 50, "Ei" => 60, _ => -1 };
        int exponent = binary >= 0 ? binary : suffix switch
        {
            "" => 0,
            "n" => -9,
            "u" => -6,
            "m" => -3,
            "k" => 3,
            "M" => 6,
            "G" => 9,
            "T" => 12,
            "P" => 15,
            "E" => 18,
            _ => throw KubeLabException.Invalid($"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"{quantity}\""),
        };
        var digits = whole + fraction;
        if ((binary >= 0 && fraction.Length > 0) || digits.Length is 0 or > 18)
        {
            throw KubeLabException.Invalid($"quantity \"{quantity}\": KubeLab hashes only integer binary quantities and up to 18 digits");
        }

        var number = long.Parse(digits, CultureInfo.InvariantCulture);
        var scale = (binary >= 0 ? 0 : exponent) - fraction.Length;
        var amount = binary >= 0 ? (long)(new BigInteger(number) << binary) : number;
        var canonical = binary >= 0
            ? exponent % 10 == 0 && (number & 0x07) != 0
            : scale % 3 == 0 && !digits.EndsWith("000", StringComparison.Ordinal) && digits[0] != '0';
        return (negative ? -amount : amount, scale, canonical ? quantity : "", binary >= 0 ? "BinarySI" : "DecimalSI");
    }
}
