using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Caching;
using ModelGateway.Egress;
using ModelGateway.Assets;
using ModelGateway.Metadata;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Sniffing;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;
using ModelGateway.Testing;

namespace ModelGateway.MicroBenchmarks;

/// <summary>The content check on real file heads: what each lookup's probe parses.</summary>
public class SnifferBenchmarks
{
    private readonly byte[] _safeTensors = ModelFiles.SafeTensors(new Dictionary<string, string>
    {
        ["modelspec.title"] = "Bench Model",
        ["modelspec.architecture"] = "stable-diffusion-xl-v1-base",
    }, Enumerable.Range(0, 200).Select(i => new TensorSpec($"model.diffusion_model.input_blocks.{i}.0.weight", "F16", [4, 4])));

    private readonly byte[] _gguf = ModelFiles.Gguf();
    private readonly byte[] _torchZip = ModelFiles.TorchZip();
    private readonly byte[] _pickle = ModelFiles.Pickle(2);

    [Benchmark(Description = "safetensors head (200 tensors, metadata)")]
    public object SafeTensors() => ContentSniffer.Sniff(_safeTensors, _safeTensors.Length, "model.safetensors");

    [Benchmark(Description = "GGUF head")]
    public object Gguf() => ContentSniffer.Sniff(_gguf, _gguf.Length, "model.gguf");

    [Benchmark(Description = "torch.save zip (pickle inside)")]
    public object TorchZip() => ContentSniffer.Sniff(_torchZip, _torchZip.Length, "model.ckpt");

    [Benchmark(Description = "legacy pickle")]
    public object Pickle() => ContentSniffer.Sniff(_pickle, _pickle.Length, "model.pt");
}

/// <summary>What every remote-metadata answer and download runs: the caller's policy, resolved and evaluated.</summary>
public class PolicyBenchmarks
{
    private readonly PolicyOptions _base = new()
    {
        AllowedFormats = ["SafeTensor", "GGUF"],
        MaxSizeBytes = 25_000_000_000,
        AllowedHosts = ["huggingface.co", "*.hf.co", "civitai.com", "*.civitai.com", "example.org"],
        BlockedHosts = ["evil.example.org"],
    };

    private readonly PolicyOptions _profile = new() { AllowedModelTypes = ["checkpoints", "loras"] };

    private readonly AssetFacts _facts = new()
    {
        Source = "huggingface",
        ContentLength = 6_938_078_334,
        ContentType = "application/octet-stream",
        Filename = "sd_xl_base_1.0.safetensors",
        Name = "SDXL Base",
        ModelFolder = "checkpoints",
        Format = ModelFormat.SafeTensor,
        FormatCheck = FormatCheck.Verified,
        Sha256 = new string('a', 64),
        FinalUrl = "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/sd_xl_base_1.0.safetensors",
        Hosts = ["huggingface.co", "cas-bridge.xethub.hf.co"],
    };

    private PolicySettings _policy = null!;

    [GlobalSetup]
    public void Setup() => _policy = PolicySettings.Resolve(_base, _profile);

    [Benchmark(Description = "PolicySettings.Resolve (base + profile)")]
    public PolicySettings Resolve() => PolicySettings.Resolve(_base, _profile);

    [Benchmark(Description = "PolicyEvaluator.Evaluate")]
    public ValidationResult Evaluate() => PolicyEvaluator.Evaluate(_facts, _policy);

    [Benchmark(Description = "HostPolicy.IsAllowed (wildcard match)")]
    public bool HostAllowed() => HostPolicy.IsAllowed("cas-bridge.xethub.hf.co", _policy);
}

/// <summary>The <c>url</c> parameter as each request reads it, and the cache key derived from it.</summary>
public class UrlBenchmarks
{
    private const string Generic = "https://files.example.org/models/checkpoints/sd_xl_base_1.0.safetensors?download=true";
    private const string HuggingFace = "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/sd_xl_base_1.0.safetensors";
    private const string CivitAi = "https://civitai.com/api/download/models/128713?type=Model&format=SafeTensor&size=pruned&fp=fp16";

    private readonly EgressOptions _egress = new();
    private readonly Uri _huggingFace = new(HuggingFace);
    private readonly Uri _civitAi = new(CivitAi);

    [Benchmark(Description = "RemoteUrlParser.Parse (generic URL)")]
    public Uri ParseGeneric() => RemoteUrlParser.Parse(Generic, _egress);

    [Benchmark(Description = "RemoteUrlParser.Parse (Hugging Face URL)")]
    public Uri ParseHuggingFace() => RemoteUrlParser.Parse(HuggingFace, _egress);

    [Benchmark(Description = "HuggingFaceUrl.Parse + canonical URL")]
    public string HuggingFaceCanonical() => HuggingFaceUrl.Parse(_huggingFace).CanonicalUrl.AbsoluteUri;

    [Benchmark(Description = "CivitAiUrl.Parse + cache key")]
    public string CivitAiKey() => CivitAiUrl.Parse(_civitAi).CacheKey;

    [Benchmark(Description = "MetadataCacheKey.For")]
    public string CacheKey() => MetadataCacheKey.For("huggingface", HuggingFace);
}

/// <summary>The per-request pieces of a cache hit besides the lookup: the key check, the answer, the limiter's headers.</summary>
public class HitPathBenchmarks
{
    private const string Key = "bench-key-0123456789abcdef";

    private readonly ApiKeyStore _keys = new(new FixedOptions<ApiKeyOptions>(new ApiKeyOptions
    {
        Keys = [.. Enumerable.Range(0, 10).Select(i => new ApiKeyEntry
        {
            Name = $"team-{i}",
            KeySha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(i == 9 ? Key : $"other-key-{i}"))),
            PermitLimit = 120,
        })],
    }));

    private readonly AssetFacts _facts = new()
    {
        Source = "http",
        ContentLength = 65_536,
        ContentType = "application/octet-stream",
        Filename = "model.safetensors",
        Name = "Bench Model",
        ModelFolder = "checkpoints",
        Format = ModelFormat.SafeTensor,
        FormatCheck = FormatCheck.Verified,
        FinalUrl = "https://files.example.org/model.safetensors",
    };

    private readonly ValidationResult _verdict = new([], []);
    private readonly RateLimitDecision _decision = new(RateLimitOutcome.Permitted, 120, TimeSpan.FromSeconds(60), 119, TimeSpan.FromSeconds(60));

    [Benchmark(Description = "ApiKeyStore.Find (10 keys)")]
    public bool FindKey() => _keys.Find(Key) is not null;

    [Benchmark(Description = "answer JSON (AssetMetadataResponse)")]
    public byte[] AnswerJson() => JsonSerializer.SerializeToUtf8Bytes(AssetMetadataResponse.From(_facts, _verdict), GatewayJson.Options);

    [Benchmark(Description = "RateLimit headers")]
    public int RateLimitFields() =>
        RateLimitHeaders.FormatPolicy(RateLimitingDefaults.PolicyName, _decision.Limit, _decision.Window).Length
        + RateLimitHeaders.FormatRateLimit(RateLimitingDefaults.PolicyName, _decision.Remaining, _decision.ResetAfter).Length;

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
