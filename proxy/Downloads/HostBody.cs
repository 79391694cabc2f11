using ModelGateway.Egress;
using ModelGateway.Primitives;

namespace ModelGateway.Downloads;

/// <summary>
/// The host's answer, as bytes of the file: where they start, where they end (inclusive, when told), the file's size
/// (when told), and whether it is a part (206) rather than the whole file.
/// </summary>
internal readonly record struct HostBody(long Start, long? End, long? FileSize, bool Ranged)
{
    /// <summary>What the host's 200 or 206 to a request for <paramref name="asked"/> holds; a 206 of another range is a 422.</summary>
    public static HostBody Of(EgressResponse response, ByteRange? asked)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Message.Content.Headers;
        if (response.StatusCode == StatusCodes.Status206PartialContent)
        {
            if (headers.ContentRange is not { HasRange: true, From: { } from, To: { } to } range
                || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase) || from != asked?.From)
            {
                throw GatewayException.SourceFailed(ErrorCodes.HttpError, "The file host answered with another range than the one asked for.");
            }
            return new HostBody(from, to, range.Length, Ranged: true);
        }
        var size = EgressBody.SizeOf(response.Message);
        return new HostBody(0, size - 1, size, Ranged: false);
    }
}
