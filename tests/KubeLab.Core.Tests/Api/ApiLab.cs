using System.Diagnostics;
using KubeLab.Core.Tests.Cli;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// A model-only lab whose agent serves the Kubernetes API for real (a background process on 127.0.0.1), with the
/// seed scenario applied, and the machine's real kubectl clients to talk to it. Always taken down.
/// </summary>
public sealed class ApiLab : IDisposable
{
    private const string KubectlFolder = "/usr/lib/google-cloud-sdk/bin";

    internal CliHarness Cli { get; } = new() { ApiServer = true };

    public string Name { get; } = "api" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    public string Kubeconfig => Cli.Kubeconfig;

    public string LabDir => Cli.Store.LabDir(Name);

    private string CacheDir => Path.Combine(Cli.Home, "kube-cache");

    public ApiLab()
    {
        Cli.Ok("up", "--driver", "none", "--name", Name, "-f", "seed");
    }

    /// <summary>The kubectl clients the API tests run: the one a v1.29.5 server gets from the image's dispatcher, and the newest.</summary>
    public static TheoryData<string> Versions => new() { "1.29", "1.33" };

    /// <summary>A version as a name suffix ("1.29" → "129"), so that each client's objects differ.</summary>
    public static string Suffix(string version) => version.Replace(".", "", StringComparison.Ordinal);

    public static bool HasKubectl(string version) => File.Exists(Path.Combine(KubectlFolder, $"kubectl.{version}"));

    public static void RequireKubectl(string version) =>
        Skip.IfNot(HasKubectl(version), $"NOT RUN: the real kubectl {version} is not at {KubectlFolder}/kubectl.{version} (this machine's image carries 1.27–1.33)");

    /// <summary>Runs the real kubectl <paramref name="version"/> (e.g. "1.29") against the lab.</summary>
    public (int Code, string Out, string Err) Kubectl(string version, params string[] args) => KubectlWithInput(version, null, args);

    public (int Code, string Out, string Err) KubectlWithInput(string version, string? input, params string[] args)
    {
        using var process = Start(version, input is not null, args);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in 60 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A kubectl that keeps running (a watch): read it with <see cref="ReadUntil"/>; disposing it ends it.</summary>
    public KubectlProcess StartKubectl(string version, params string[] args) => new(Start(version, false, args));

    /// <summary>Reads the process's output lines until one contains <paramref name="text"/> (true) or the time is up (false).</summary>
    public static bool ReadUntil(KubectlProcess process, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = process.Process.StandardOutput.ReadLineAsync();
            if (!line.Wait(deadline - DateTime.UtcNow) || line.Result is null)
            {
                return false;
            }

            if (line.Result.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private Process Start(string version, bool input, string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(KubectlFolder, $"kubectl.{version}"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(Kubeconfig);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(CacheDir);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = Cli.Home;
        return Process.Start(info)!;
    }

    public string KubectlOk(string version, params string[] args)
    {
        var (code, output, error) = Kubectl(version, args);
        Assert.True(code == 0, $"kubectl.{version} {string.Join(' ', args)} exited {code}:\n{output}\n{error}");
        return output;
    }

    /// <summary>A plain HTTP client holding the lab's admin certificate and trusting its server CA, and the API's port.</summary>
    public HttpClient AdminHttp(out string port, bool followRedirects = true)
    {
        var pki = Path.Combine(LabDir, "pki");
        var serverCa = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "server-ca.crt"));
        using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(Path.Combine(pki, "client-admin.crt"), Path.Combine(pki, "client-admin.key"));
        var admin = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(pem.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler { AllowAutoRedirect = followRedirects };
        handler.SslOptions.ClientCertificates = [admin];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            chain!.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(serverCa);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()));
        };
        port = File.ReadAllText(Path.Combine(LabDir, "apiserver.port")).Trim();
        return new HttpClient(handler, disposeHandler: true);
    }

    public void Dispose()
    {
        Cli.Run("down", "--name", Name);
        Cli.Dispose();
    }
}

/// <summary>A running kubectl, ended (by its own process id) when disposed.</summary>
public sealed class KubectlProcess(Process process) : IDisposable
{
    public Process Process { get; } = process;

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(5000);
        }

        Process.Dispose();
    }
}
