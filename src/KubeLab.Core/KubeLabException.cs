namespace KubeLab.Core;

/// <summary>How a failure maps to the exit code: 2 for bad usage or input, 1 for everything else.</summary>
public enum FailureKind { Usage, Invalid, NotFound, Conflict, Host, Timeout, Internal }

/// <summary>
/// The one exception type KubeLab throws on purpose. Messages name the object, file, line or field and
/// say what to do, in the API server's own words where one exists.
/// </summary>
public sealed class KubeLabException : Exception
{
    public KubeLabException(FailureKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public FailureKind Kind { get; }

    public int ExitCode => Kind is FailureKind.Usage or FailureKind.Invalid or FailureKind.NotFound or FailureKind.Conflict ? 2 : 1;

    public static KubeLabException Usage(string message) => new(FailureKind.Usage, message);

    public static KubeLabException Invalid(string message) => new(FailureKind.Invalid, message);

    /// <summary>The API server's "is invalid" wording: <c>Service "default/web" is invalid: spec.ports[0].port: ...</c></summary>
    public static KubeLabException InvalidObject(string kind, string key, string field, string detail, string? source = null) =>
        new(FailureKind.Invalid, $"{(source is null ? "" : source + ": ")}{kind} \"{key}\" is invalid: {field}: {detail}");

    public static KubeLabException NotFound(string message) => new(FailureKind.NotFound, message);

    public static KubeLabException Conflict(string message) => new(FailureKind.Conflict, message);

    /// <summary>A host command failed; the message carries the command ready to paste into a shell.</summary>
    public static KubeLabException Host(string message, Exception? inner = null) => new(FailureKind.Host, message, inner);

    public static KubeLabException Timeout(string message) => new(FailureKind.Timeout, message);
}
