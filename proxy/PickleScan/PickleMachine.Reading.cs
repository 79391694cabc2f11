using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ModelGateway.PickleScan;

internal sealed partial class PickleMachine
{
    // Reading.

    private byte ReadByte()
    {
        if (pos >= end)
        {
            throw new TruncatedException();
        }
        return data[pos++];
    }

    private ReadOnlySpan<byte> Take(long count)
    {
        if (count > end - pos)
        {
            throw new TruncatedException();
        }
        var span = data.AsSpan(pos, (int)count);
        pos += (int)count;
        return span;
    }

    private void Skip(long count) => Take(count);

    private int ReadI32Length()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        return length < 0 ? throw Format("a negative length") : CheckLength((ulong)length);
    }

    private int ReadU32Length() => CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));

    private int ReadU64Length() => CheckLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)));

    private ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private int CheckLength(ulong length)
    {
        if (length > (ulong)limits.MaxStringBytes)
        {
            if (complete && length > (ulong)(end - pos))
            {
                throw Format("a length runs past the end of the pickle");
            }
            throw new PickleLimitException($"a string or bytes argument of {length} bytes");
        }
        return (int)length;
    }

    private ReadOnlySpan<byte> ReadLine()
    {
        var rest = data.AsSpan(pos, end - pos);
        var max = (int)Math.Min(rest.Length, limits.MaxStringBytes);
        var newline = rest[..max].IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (max < rest.Length)
            {
                throw new PickleLimitException("a text argument longer than the string limit");
            }
            throw new TruncatedException();
        }
        pos += newline + 1;
        return rest[..newline];
    }

    private PickleInt ReadLong(int length)
    {
        if (length > limits.MaxLongBytes)
        {
            throw new PickleLimitException($"an integer of {length} bytes");
        }
        var bytes = Take(length);
        if (length == 0)
        {
            return PickleInt.Of(0);
        }
        if (length > 8)
        {
            return PickleInt.Unknown;
        }
        Span<byte> buffer = stackalloc byte[8];
        var negative = (bytes[^1] & 0x80) != 0;
        buffer.Fill(negative ? (byte)0xFF : (byte)0);
        bytes.CopyTo(buffer);
        return PickleInt.Of(BinaryPrimitives.ReadInt64LittleEndian(buffer));
    }

    private PickleValue ParseTextInt(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("00"u8) || line.SequenceEqual("01"u8))
        {
            return PickleBool.Instance;
        }
        return ParseInteger(line);
    }

    private PickleInt ParseTextLong(ReadOnlySpan<byte> line) => ParseInteger(line.EndsWith("L"u8) ? line[..^1] : line);

    private PickleInt ParseInteger(ReadOnlySpan<byte> line)
    {
        var text = line.Trim(" \t\r"u8);
        if (text.Length > limits.MaxLongBytes * 3)
        {
            throw new PickleLimitException($"an integer of {text.Length} digits");
        }
        var body = text.Length > 0 && (text[0] == '-' || text[0] == '+') ? text[1..] : text;
        if (body.Length == 0 || body.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            throw Format("an integer argument that is not a number");
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? PickleInt.Of(value) : PickleInt.Unknown;
    }

    private void ParseTextFloat(ReadOnlySpan<byte> line)
    {
        if (!double.TryParse(Encoding.ASCII.GetString(line).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && line.Trim(" \t\r"u8) is var t && !(t.SequenceEqual("nan"u8) || t.SequenceEqual("inf"u8) || t.SequenceEqual("-inf"u8)))
        {
            throw Format("a FLOAT argument that is not a number");
        }
    }

    private long ParseIndex(ReadOnlySpan<byte> line)
    {
        var value = ParseInteger(line).Value;
        return value is null or < 0 ? throw Format("a memo index that is not a non-negative number") : value.Value;
    }

    // A binary string, decoded only if a rule reads it. CPython decodes with surrogatepass; a string that is no valid
    // UTF-8 names no global, so it is kept as unknown.
    private PickleStr Text(int length, bool latin1)
    {
        var start = pos;
        Take(length);
        return new PickleStr(data, start, length, latin1);
    }

    private static string Ascii(ReadOnlySpan<byte> line) => Encoding.Latin1.GetString(line.Length > 1024 ? line[..1024] : line);

    // A STRING argument: a quoted Python literal whose escapes are decoded (enough for the text globals protocol 0 names).
    private string? ParseQuoted(ReadOnlySpan<byte> line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
        {
            throw Format("a STRING argument that is not quoted");
        }
        var body = line[1..^1];
        if (body.Length > PickleStr.MaxKeptChars)
        {
            return null;
        }
        var text = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = (char)body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                text.Append(c);
                continue;
            }
            var e = (char)body[++i];
            switch (e)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case '0': text.Append('\0'); break;
                case 'x' when i + 2 < body.Length && byte.TryParse(body.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex):
                    text.Append((char)hex);
                    i += 2;
                    break;
                case '\\' or '\'' or '"': text.Append(e); break;
                default: text.Append('\\').Append(e); break;
            }
        }
        return text.ToString();
    }

    private static string? RawUnicodeEscape(ReadOnlySpan<byte> line)
    {
        if (line.Length > PickleStr.MaxKeptChars)
        {
            return null;
        }
        var text = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            var digits = i + 1 < line.Length && line[i] == '\\' ? line[i + 1] == 'u' ? 4 : line[i + 1] == 'U' ? 8 : 0 : 0;
            if (digits > 0 && i + 2 + digits <= line.Length
                && uint.TryParse(line.Slice(i + 2, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code) && code <= 0x10FFFF)
            {
                text.Append(code is >= 0xD800 and <= 0xDFFF ? "\uFFFD" : char.ConvertFromUtf32((int)code));
                i += 1 + digits;
                continue;
            }
            text.Append((char)line[i]);
        }
        return text.ToString();
    }

    private static string Printable(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private string Offset(string message) => Offset(message, pos);

    private static string Offset(string message, int at) => string.Create(CultureInfo.InvariantCulture, $"{message} (byte {at})");

    private PickleFormatException Format(string message) => new(Offset(message));

    private sealed class TruncatedException : Exception;

    private sealed class PickleFormatException(string message) : Exception(message);
}
