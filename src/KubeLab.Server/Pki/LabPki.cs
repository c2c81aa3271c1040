using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubeLab.Server.Pki;

/// <summary>
/// A lab's certificates, made as k3s makes its own (pkg/daemons/control/deps): ECDSA P-256 keys, a server CA
/// "k3s-server-ca@&lt;unix time&gt;" that signs the API server's serving certificate (CN k3s, the SANs below), and a
/// client CA "k3s-client-ca@&lt;unix time&gt;" that signs the admin's certificate (CN system:admin, O system:masters).
/// Files live in &lt;lab folder&gt;/pki: keys 0600, the folder 0700.
/// </summary>
public sealed class LabPki
{
    private LabPki(string folder) => Folder = folder;

    public string Folder { get; }

    public string ServerCaCertificate => Path.Combine(Folder, "server-ca.crt");
    public string ClientCaCertificate => Path.Combine(Folder, "client-ca.crt");
    public string ServingCertificate => Path.Combine(Folder, "serving-kube-apiserver.crt");
    public string ServingKey => Path.Combine(Folder, "serving-kube-apiserver.key");
    public string AdminCertificate => Path.Combine(Folder, "client-admin.crt");
    public string AdminKey => Path.Combine(Folder, "client-admin.key");
    private string ServerCaKey => Path.Combine(Folder, "server-ca.key");
    private string ClientCaKey => Path.Combine(Folder, "client-ca.key");

    public static LabPki At(string labFolder) => new(Path.Combine(labFolder, "pki"));

    public bool Exists => new[] { ServerCaCertificate, ClientCaCertificate, ServingCertificate, ServingKey, AdminCertificate, AdminKey }.All(File.Exists);

    /// <summary>
    /// The serving certificate's names: k3s's SANs (kubernetes, kubernetes.default, kubernetes.default.svc,
    /// kubernetes.default.svc.&lt;domain&gt;, localhost, the server's host name; 127.0.0.1, ::1, the node IP, the
    /// kubernetes Service's ClusterIP).
    /// </summary>
    public sealed record ServerNames(string NodeName, IPAddress NodeIP, IPAddress KubernetesServiceIP, string ClusterDomain);

    /// <summary>Makes whatever is missing (all of it for a new lab); existing certificates are kept, so kubeconfigs stay valid.</summary>
    public static LabPki Ensure(string labFolder, ServerNames names, DateTimeOffset now)
    {
        var pki = At(labFolder);
        if (pki.Exists)
        {
            return pki;
        }

        Directory.CreateDirectory(pki.Folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pki.Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var stamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var notAfterCa = now.AddYears(10);
        var notAfterLeaf = now.AddYears(1);
        using var serverCa = SelfSigned($"CN=k3s-server-ca@{stamp}", now, notAfterCa);
        using var clientCa = SelfSigned($"CN=k3s-client-ca@{stamp}", now, notAfterCa);

        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in new[] { "kubernetes", "kubernetes.default", "kubernetes.default.svc", $"kubernetes.default.svc.{names.ClusterDomain}", "localhost", names.NodeName })
        {
            san.AddDnsName(dns);
        }

        foreach (var ip in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback, names.NodeIP, names.KubernetesServiceIP })
        {
            san.AddIpAddress(ip);
        }

        using var serving = Leaf(serverCa, "O=k3s, CN=k3s", now, notAfterLeaf, san.Build(), serverAuth: true);
        using var admin = Leaf(clientCa, "O=system:masters, CN=system:admin", now, notAfterLeaf, null, serverAuth: false);

        WritePem(pki.ServerCaCertificate, serverCa.ExportCertificatePem(), secret: false);
        WritePem(pki.ServerCaKey, serverCa.GetECDsaPrivateKey()!.ExportECPrivateKeyPem(), secret: true);
        WritePem(pki.ClientCaCertificate, clientCa.ExportCertificatePem(), secret: false);
        WritePem(pki.ClientCaKey, clientCa.GetECDsaPrivateKey()!.ExportECPrivateKeyPem(), secret: true);
        // k3s's serving file holds the leaf and its CA, so that clients get the chain
        WritePem(pki.ServingCertificate, serving.ExportCertificatePem() + "\n" + serverCa.ExportCertificatePem(), secret: false);
        WritePem(pki.ServingKey, serving.GetECDsaPrivateKey()!.ExportECPrivateKeyPem(), secret: true);
        WritePem(pki.AdminCertificate, admin.ExportCertificatePem() + "\n" + clientCa.ExportCertificatePem(), secret: false);
        WritePem(pki.AdminKey, admin.GetECDsaPrivateKey()!.ExportECPrivateKeyPem(), secret: true);
        return pki;
    }

    /// <summary>The serving certificate with its key, for Kestrel.</summary>
    public X509Certificate2 LoadServing()
    {
        using var pem = X509Certificate2.CreateFromPemFile(ServingCertificate, ServingKey);
        // an ephemeral PEM key cannot serve TLS on every platform; a PKCS#12 round trip gives it a usable key
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public X509Certificate2 LoadClientCa() => X509CertificateLoader.LoadCertificateFromFile(ClientCaCertificate);

    /// <summary>
    /// The lab's kubeconfig, as k3s writes /etc/rancher/k3s/k3s.yaml (certificates embedded as base64 data), with
    /// cluster, user and context all named <paramref name="name"/>.
    /// </summary>
    public string Kubeconfig(string name, string server)
    {
        static string Data(string path) => Convert.ToBase64String(File.ReadAllBytes(path));
        return $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: {Data(ServerCaCertificate)}
                server: {server}
              name: {name}
            contexts:
            - context:
                cluster: {name}
                user: {name}
              name: {name}
            current-context: {name}
            kind: Config
            preferences: {"{}"}
            users:
            - name: {name}
              user:
                client-certificate-data: {Data(AdminCertificate)}
                client-key-data: {Data(AdminKey)}

            """;
    }

    /// <summary>True when <paramref name="certificate"/> was issued by the lab's client CA (and is in date).</summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 clientCa)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset now, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-1), notAfter);
    }

    private static X509Certificate2 Leaf(X509Certificate2 issuer, string subject, DateTimeOffset now, DateTimeOffset notAfter, X509Extension? san, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(issuer, now.AddMinutes(-1), notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    private static void WritePem(string path, string pem, bool secret)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, pem.EndsWith('\n') ? pem : pem + "\n", Encoding.ASCII);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
