using System.Buffers.Binary;
using System.Security.Cryptography;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.IntegrationTests.Sources.HuggingFace;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Downloads;

/// <summary>
/// A fake CivitAI (API, and a storage host on another origin) and a fake Hugging Face (Hub, and a CDN on another origin)
/// serving real model bytes, and a gateway listening on a real loopback socket whose sources and shipped routes point
/// at them, with the shipped policy (SafeTensor only) and content check.
/// </summary>
public sealed class DownloadHosts : IAsyncLifetime
{
    /// <summary>A Hugging Face client refuses tokens that do not start with "hf_": a gateway key of that form.</summary>
    public const string HfFormKey = "hf_gatewaykey0123456789abcdefABCDEF";

    public const string CivitAiToken = "civitai-org-token-42";
    public const string HuggingFaceToken = "hf_org_token_0123456789";

    public FakeCivitAi CivitAi { get; } = new();

    public FakeHuggingFace HuggingFace { get; private set; } = null!;

    public LoopbackGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await CivitAi.InitializeAsync();
        HuggingFace = await FakeHuggingFace.StartAsync();
        Gateway = LoopbackGateway.Start(Settings());
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await CivitAi.DisposeAsync();
        await HuggingFace.DisposeAsync();
    }

    /// <summary>Sources and shipped routes on the fakes, tokens for both, a short idle timeout, an hf_-form key.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Sources:CivitAI:BaseUrl"] = CivitAi.Api.BaseUri.AbsoluteUri.TrimEnd('/'),
        ["Sources:CivitAI:Token"] = CivitAiToken,
        ["Sources:HuggingFace:BaseUrl"] = HuggingFace.BaseUrl,
        ["Sources:HuggingFace:Token"] = HuggingFaceToken,
        ["ReverseProxy:Clusters:civitai:Destinations:civitai:Address"] = CivitAi.Api.BaseUri.AbsoluteUri,
        ["ReverseProxy:Clusters:huggingface:Destinations:huggingface:Address"] = HuggingFace.Hub.BaseUri.AbsoluteUri,
        ["Downloads:IdleTimeoutSeconds"] = "2",
        ["ApiKeys:2:Name"] = "hf-client",
        ["ApiKeys:2:KeySha256"] = TestKeys.Sha256Hex(HfFormKey),
    };

    /// <summary>
    /// A real safetensors file (a LoRA's ModelSpec header) with <paramref name="dataBytes"/> bytes of tensor data that
    /// are not zeros, so that any byte out of place changes its hash.
    /// </summary>
    public static byte[] SafeTensors(int dataBytes, int seed)
    {
        var file = ModelFiles.SafeTensors(ModelFiles.LoraMetadata($"Style {seed}"),
            [new TensorSpec("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", "F16", [dataBytes / 2])]);
        var dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        new Random(seed).NextBytes(file.AsSpan(dataStart));
        return file;
    }

    /// <summary><paramref name="bytes"/> with its last byte changed: the same head, another SHA-256.</summary>
    public static byte[] WithLastByteChanged(byte[] bytes)
    {
        var changed = (byte[])bytes.Clone();
        changed[^1] ^= 0xFF;
        return changed;
    }

    /// <summary>A torch.save zip (a pickle) padded with zeros to <paramref name="length"/> bytes.</summary>
    public static byte[] PickleOfLength(int length)
    {
        var zip = ModelFiles.TorchZip(storageBytes: 4096);
        var padded = new byte[length];
        zip.CopyTo(padded, 0);
        return padded;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string DownloadPath(string url) => "/api/assets/download?url=" + Uri.EscapeDataString(url);

    public static string CivitAiUrl(long versionId) => $"https://civitai.com/api/download/models/{versionId}";
}
