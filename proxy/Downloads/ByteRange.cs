using Microsoft.Net.Http.Headers;

namespace ModelGateway.Downloads;

/// <summary>
/// One byte range of a file, inclusive; <see cref="To"/> null means "to the end". Pure: what a client's <c>Range</c>
/// asks for, read the way the gateway serves it.
/// </summary>
internal readonly record struct ByteRange(long From, long? To)
{
    /// <summary>
    /// The single <c>bytes</c> range a request asks for, resolved against <paramref name="fileSize"/> when known (a suffix
    /// range <c>-N</c> becomes its first and last byte, an end past the file is cut to its last byte). Null when the whole
    /// file is to be sent: no <c>Range</c>, another unit, several ranges, a malformed range, or a suffix range of a file
    /// whose size nobody knows — a server may ignore a <c>Range</c> it does not serve, and answer 200.
    /// </summary>
    /// <param name="unsatisfiable">True when the file is known to have no byte at the range's start (answer 416).</param>
    public static ByteRange? FromRequest(RangeHeaderValue? header, long? fileSize, out bool unsatisfiable)
    {
        unsatisfiable = false;
        if (header is null || !string.Equals(header.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || header.Ranges.Count != 1)
        {
            return null;
        }
        var item = header.Ranges.Single();
        ByteRange range;
        switch (item.From, item.To)
        {
            case (null, { } suffix):
                if (fileSize is not { } size)
                {
                    return null;
                }
                if (suffix == 0 || size == 0)
                {
                    unsatisfiable = true;
                    return null;
                }
                range = new ByteRange(Math.Max(0, size - suffix), size - 1);
                break;
            case ({ } from, var to) when to is null || to >= from:
                range = new ByteRange(from, to);
                break;
            default:
                return null;
        }
        if (fileSize is { } total)
        {
            if (range.From >= total)
            {
                unsatisfiable = true;
                return null;
            }
            if (range.To is null || range.To >= total)
            {
                range = range with { To = total - 1 };
            }
        }
        return range;
    }

    /// <summary>
    /// The range to ask the file host for so that the forwarded bytes can be checked: one that starts inside the file's
    /// first <paramref name="headBytes"/> is widened to start at 0 and to cover them, so the head is read and checked
    /// before any byte of it reaches the client. A range past the head is asked as it is.
    /// </summary>
    public ByteRange WidenedToHead(int headBytes) =>
        From >= headBytes ? this : new ByteRange(0, To is { } to ? Math.Max(to, headBytes - 1) : null);
}
