using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// The organisation's CA as the forward proxy uses it: a certificate for each intercepted host name, minted on first use
/// (ECDSA P-256, the name as its only subject alternative name, server authentication only, valid
/// <c>ForwardProxy:CertificateLifetimeHours</c>), kept and reused until half its life is over. The CA's key never leaves
/// this process; the minted keys live in memory only.
/// </summary>
internal sealed class ProxyCertificateAuthority : IDisposable
{
    public const string CertificateFileName = "ca.pem";
    public const string KeyFileName = "ca.key";

    // Minted names are the model hosts' (a wildcard pattern allows any subdomain): a bound, so a client cannot grow it.
    private const int MaxCachedCertificates = 1024;

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _caPublic;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<Minted>> _minted = new(StringComparer.Ordinal);

    private ProxyCertificateAuthority(X509Certificate2 ca, TimeSpan lifetime, TimeProvider time)
    {
        _ca = ca;
        _caPublic = X509CertificateLoader.LoadCertificate(ca.RawData);
        _lifetime = lifetime;
        _time = time;
    }

    /// <summary>The CA certificate clients must trust.</summary>
    public X509Certificate2 Certificate => _caPublic;

    /// <summary>Loads the CA from its PEM certificate and key.</summary>
    /// <exception cref="InvalidOperationException">The files cannot be read, do not match, or the certificate is no CA.</exception>
    public static ProxyCertificateAuthority Load(string certificatePath, string keyPath, TimeSpan lifetime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new ProxyCertificateAuthority(LoadCa(certificatePath, keyPath), lifetime, time);
    }

    /// <summary>What is wrong with the CA files, or null when they load as a CA with its key.</summary>
    public static string? Problem(string certificatePath, string keyPath)
    {
        try
        {
            LoadCa(certificatePath, keyPath).Dispose();
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The certificate (with the CA as its chain) for <paramref name="host"/>, a normalized host name.</summary>
    public SslStreamCertificateContext For(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var now = _time.GetUtcNow();
        if (_minted.TryGetValue(host, out var cached) && cached.Value.RenewAt > now)
        {
            return cached.Value.Context;
        }
        if (_minted.Count >= MaxCachedCertificates)
        {
            _minted.Clear();
        }
        var fresh = new Lazy<Minted>(() => Mint(host, now));
        var winner = cached is null ? _minted.GetOrAdd(host, fresh) : _minted.TryUpdate(host, fresh, cached) ? fresh : _minted.GetOrAdd(host, fresh);
        return winner.Value.Context;
    }

    /// <summary>
    /// Writes a new CA — <see cref="CertificateFileName"/> and <see cref="KeyFileName"/> (readable by the owner only) —
    /// into <paramref name="directory"/>, which may not hold them yet.
    /// </summary>
    /// <exception cref="IOException">A file exists already, or cannot be written.</exception>
    public static (string Certificate, string Key) CreateFiles(string directory, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, CertificateFileName);
        var keyPath = Path.Combine(directory, KeyFileName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName("Model gateway");
        name.AddCommonName($"Model gateway forward-proxy CA {now:yyyy-MM-dd}");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var certificate = request.CreateSelfSigned(now - ClockSkew, now.AddYears(5));

        // CreateNew: an existing CA is never replaced (every client trusts it); the key is the owner's alone from the start.
        WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(certificatePath, certificate.ExportCertificatePem(),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caPublic.Dispose();
    }

    private Minted Mint(string host, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(host);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var notBefore = now - ClockSkew;
        var notAfter = now + _lifetime < _ca.NotAfter ? now + _lifetime : new DateTimeOffset(_ca.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive INTEGER
        using var certificate = request.Create(_ca.SubjectName, SignatureGenerator(), notBefore, notAfter, serial);
        using var withKey = certificate.CopyWithPrivateKey(key);
        // Through PKCS#12, as SslStream needs a key it can use on every platform.
        var usable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
        var context = SslStreamCertificateContext.Create(usable, [_caPublic], offline: true);
        return new Minted(context, now + (notAfter - now) / 2);
    }

    private X509SignatureGenerator SignatureGenerator() =>
        _ca.GetECDsaPrivateKey() is { } ecdsa ? X509SignatureGenerator.CreateForECDsa(ecdsa)
        : _ca.GetRSAPrivateKey() is { } rsa ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
        : throw new InvalidOperationException("The CA's key is neither ECDSA nor RSA.");

    private static X509Certificate2 LoadCa(string certificatePath, string keyPath)
    {
        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load the CA certificate \"{certificatePath}\" with its key \"{keyPath}\": {ex.Message}", ex);
        }
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true } || !ca.HasPrivateKey)
        {
            ca.Dispose();
            throw new InvalidOperationException($"\"{certificatePath}\" is not a CA certificate (basic constraints CA:TRUE) with its private key.");
        }
        return ca;
    }

    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }

    private sealed record Minted(SslStreamCertificateContext Context, DateTimeOffset RenewAt);
}
