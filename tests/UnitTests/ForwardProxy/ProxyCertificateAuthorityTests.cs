using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ProxyCertificateAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gw-ca-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void CreateFiles_ACaOfFiveYearsWithPathLengthZero_KeyReadableByItsOwnerOnly()
    {
        var (certificatePath, keyPath) = ProxyCertificateAuthority.CreateFiles(_directory, Now);

        using var ca = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.Equal((true, true, 0, true), (constraints.CertificateAuthority, constraints.HasPathLengthConstraint, constraints.PathLengthConstraint, constraints.Critical));
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(Now.AddYears(5).UtcDateTime, ca.NotAfter.ToUniversalTime());
        Assert.True(ca.HasPrivateKey);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }
        Assert.Null(ProxyCertificateAuthority.Problem(certificatePath, keyPath));
    }

    [Fact]
    public void CreateFiles_NeverOverAnExistingCa()
    {
        var (certificatePath, _) = ProxyCertificateAuthority.CreateFiles(_directory, Now);
        var before = File.ReadAllText(certificatePath);

        Assert.Throws<IOException>(() => ProxyCertificateAuthority.CreateFiles(_directory, Now));

        Assert.Equal(before, File.ReadAllText(certificatePath));
    }

    [Fact]
    public void For_AServerCertificateForTheNameOnly_ChainingToTheCa()
    {
        var (certificatePath, keyPath) = ProxyCertificateAuthority.CreateFiles(_directory, Now.AddDays(-1));
        var time = new FakeTimeProvider(Now);
        using var authority = ProxyCertificateAuthority.Load(certificatePath, keyPath, TimeSpan.FromHours(24), time);

        var leaf = authority.For("civitai.com").TargetCertificate;

        Assert.Equal("civitai.com", leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false));
        Assert.Equal(["civitai.com"], leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(Now.AddHours(24).UtcDateTime, leaf.NotAfter.ToUniversalTime());
        Assert.True(leaf.HasPrivateKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime;
        Assert.True(chain.Build(leaf), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void For_CachedUntilHalfItsLife_ThenMintedAgain()
    {
        var (certificatePath, keyPath) = ProxyCertificateAuthority.CreateFiles(_directory, Now.AddDays(-1));
        var time = new FakeTimeProvider(Now);
        using var authority = ProxyCertificateAuthority.Load(certificatePath, keyPath, TimeSpan.FromHours(24), time);

        var first = authority.For("huggingface.co");
        time.Advance(TimeSpan.FromHours(11));
        var cached = authority.For("huggingface.co");
        time.Advance(TimeSpan.FromHours(2));
        var renewed = authority.For("huggingface.co");

        Assert.Same(first, cached);
        Assert.NotSame(first, renewed);
        Assert.Equal(Now.AddHours(13 + 24).UtcDateTime, renewed.TargetCertificate.NotAfter.ToUniversalTime());
        Assert.NotEqual(first.TargetCertificate.SerialNumber, renewed.TargetCertificate.SerialNumber);
    }

    [Fact]
    public void Problem_NotACaOrNoKey_Explained()
    {
        Directory.CreateDirectory(_directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        using var leaf = request.CreateSelfSigned(Now, Now.AddDays(1));
        var leafPath = Path.Combine(_directory, "leaf.pem");
        var leafKey = Path.Combine(_directory, "leaf.key");
        File.WriteAllText(leafPath, leaf.ExportCertificatePem());
        File.WriteAllText(leafKey, key.ExportPkcs8PrivateKeyPem());

        Assert.Equal($"\"{leafPath}\" is not a CA certificate (basic constraints CA:TRUE) with its private key.", ProxyCertificateAuthority.Problem(leafPath, leafKey));
        Assert.StartsWith($"cannot load the CA certificate \"{leafPath}\" with its key \"{leafPath}.missing\"", ProxyCertificateAuthority.Problem(leafPath, leafPath + ".missing"), StringComparison.Ordinal);
    }
}
