using System.Security.Cryptography;
using System.Text;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>API keys the test gateways are configured with.</summary>
public static class TestKeys
{
    public const string Default = "test-key-default";
    public const string Strict = "test-key-strict";

    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
