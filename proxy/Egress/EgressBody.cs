using System.Net.Http.Headers;

namespace ModelGateway.Egress;

/// <summary>What an answer's content headers say about the bytes on the wire (the gateway never decompresses).</summary>
public static class EgressBody
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
}
