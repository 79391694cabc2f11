using System.Net.Http.Headers;

namespace ModelGateway.Egress;

/// <summary>
/// What an answer's body is (the gateway never decompresses) and how it is read: bounded, never more than asked for,
/// whatever the server sends.
/// </summary>
internal static class EgressBody
{
    /// <summary>Whether a Content-Encoding other than identity makes the body something else than the file's bytes.</summary>
    public static bool IsEncoded(HttpContentHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.ContentEncoding.Any(e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The body's true size: Content-Length, unless an encoding makes it the size of something else.</summary>
    public static long? SizeOf(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Content.Headers;
        return IsEncoded(headers) ? null : headers.ContentLength;
    }

    /// <summary>
    /// Reads a body up to <paramref name="maxBytes"/>; a longer body fails with <see cref="EgressFailure.BodyTooLarge"/>
    /// (before reading when Content-Length says so), a connection lost mid-body with <see cref="EgressFailure.TruncatedBody"/>.
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new EgressException(EgressFailure.BodyTooLarge, $"The source's answer is larger than {maxBytes} bytes.");
        }
        var buffer = await ReadHeadAsync(response, maxBytes + 1, cancellationToken);
        if (buffer.Length > maxBytes)
        {
            throw new EgressException(EgressFailure.BodyTooLarge, $"The source's answer is larger than {maxBytes} bytes.");
        }
        return buffer;
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> of a body and stops there, whatever the server sends after. A
    /// connection reset or a body shorter than announced fails with <see cref="EgressFailure.TruncatedBody"/>. A body
    /// whose Content-Length is known is read into one buffer of its size.
    /// </summary>
    public static async Task<byte[]> ReadHeadAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var length = response.Content.Headers.ContentLength;
        var buffer = new byte[length is { } known ? (int)Math.Min(known, maxBytes) : Math.Min(maxBytes, 81_920)];
        var total = 0;
        while (true)
        {
            total += await ReadIntoAsync(response, buffer.AsMemory(total), cancellationToken);
            if (total < buffer.Length || buffer.Length == maxBytes || length is not null)
            {
                break; // the body ended, or the buffer holds all that was asked for or announced
            }
            Array.Resize(ref buffer, (int)Math.Min(maxBytes, (long)buffer.Length * 2));
        }
        return total == buffer.Length ? buffer : buffer[..total];
    }

    /// <summary>
    /// Reads the body into <paramref name="destination"/> until it is full or the body ends; the count read. Failures
    /// as <see cref="ReadHeadAsync"/>. Reading again continues where the last read stopped.
    /// </summary>
    public static async Task<int> ReadIntoAsync(HttpResponseMessage response, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            // The content buffers nothing itself (ResponseHeadersRead): its stream is the connection's.
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // HttpIOException (a truncated body) is an IOException.
            var host = response.RequestMessage?.RequestUri?.Host ?? "the source";
            throw new EgressException(EgressFailure.TruncatedBody,
                $"Reading the answer of \"{host}\" failed: the connection closed before the full body.", ex);
        }
    }
}
