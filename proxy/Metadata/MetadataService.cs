using ModelGateway.Assets;
using ModelGateway.Caching;
using ModelGateway.Callers;
using ModelGateway.Primitives;
using ModelGateway.Telemetry;

namespace ModelGateway.Metadata;

/// <summary>The remote-metadata answer: the asset pipeline's facts and verdict as Comfy's JSON, and its audit event.</summary>
internal sealed class MetadataService(AssetPipeline pipeline, TimeProvider timeProvider, GatewayTelemetry telemetry)
{
    /// <summary>
    /// The remote-metadata answer for the <c>url</c> parameter <paramref name="rawUrl"/>, or a
    /// <see cref="GatewayException"/>; either way one audit event and its metrics.
    /// </summary>
    public async Task<MetadataAnswer> GetAsync(string? rawUrl, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var started = timeProvider.GetTimestamp();
        var who = caller.Audit;
        var seen = new LookupSeen();
        try
        {
            var asset = await pipeline.LookUpAsync(pipeline.ParseUrl(rawUrl), caller, cancellationToken, seen);
            var answer = new MetadataAnswer(AssetMetadataResponse.From(asset.Facts, asset.Verdict), asset.CacheStatus);
            var validation = answer.Response.Validation;
            telemetry.MetadataAnswered(new MetadataAudit(who, seen.Source, seen.Host, StatusCodes.Status200OK,
                validation.IsValid ? MetadataAudit.Valid : MetadataAudit.Invalid, [.. validation.Errors.Select(e => e.Code)],
                [.. validation.Warnings.Select(w => w.Code)], CacheStatusHeader.Value(answer.CacheStatus), null,
                timeProvider.GetElapsedTime(started)));
            return answer;
        }
        catch (GatewayException ex)
        {
            telemetry.MetadataAnswered(new MetadataAudit(who, seen.Source, seen.Host, ex.StatusCode, ex.Code, [], [],
                CacheStatusHeader.Of(ex), ex.Message, timeProvider.GetElapsedTime(started)));
            throw;
        }
    }
}

/// <summary>The response, and how the metadata cache produced it (<c>X-Cache-Status</c>).</summary>
internal sealed record MetadataAnswer(AssetMetadataResponse Response, CacheStatus CacheStatus);
