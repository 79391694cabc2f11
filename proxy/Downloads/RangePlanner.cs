namespace ModelGateway.Downloads;

/// <summary>
/// Which bytes a download asks the host for and which of the host's bytes go to the client. Pure: the client's
/// <c>Range</c>, the inspected facts and the host's answer in, a <see cref="CopyPlan"/> out.
/// </summary>
internal static class RangePlanner
{
    /// <summary>
    /// The range to ask the host for: the client's, widened to cover the file's first <paramref name="headBytes"/>
    /// when it starts inside them (so the head is checked before any byte of it goes out); null for the whole file.
    /// </summary>
    public static ByteRange? ToAsk(ByteRange? wanted, int headBytes) => wanted?.WidenedToHead(headBytes);

    /// <summary>
    /// The client's part of the host's body <paramref name="body"/>: the range it asked for (<paramref name="wanted"/>)
    /// when the host served a range (the widened one, or its own), cut to where the body ends; else the whole body.
    /// A whole file is one the client gets from its first byte to its last: only then are its length and
    /// <paramref name="sha256"/> checked. Null when the file ends before the part asked for (416).
    /// </summary>
    /// <param name="fileSize">The file's size: the inspected one, else the host's.</param>
    public static CopyPlan? Plan(ByteRange? wanted, HostBody body, long? fileSize, string? sha256, long maxSize)
    {
        long from = 0;
        long? to = null;
        if (body.Ranged)
        {
            from = wanted?.From ?? body.Start;
            to = wanted?.To ?? (fileSize is { } size ? size - 1 : body.End);
            if (body.End is { } end && (to is null || to > end))
            {
                to = end;
            }
            if (from > to)
            {
                return null;
            }
        }
        var whole = !body.Ranged || (from == 0 && fileSize is { } length && to == length - 1);
        return new CopyPlan(body.Start, body.End, from, to, body.Ranged ? null : sha256, whole ? fileSize : null, maxSize);
    }
}
