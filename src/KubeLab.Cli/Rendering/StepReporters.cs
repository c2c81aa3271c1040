using System.Diagnostics;
using KubeLab.Realize.Drivers;
using Spectre.Console;

namespace KubeLab.Cli.Rendering;

/// <summary>kind's plain status lines for logs and CI: " • step ..." then " ✓ step (12 ms)".</summary>
public sealed class PlainStepReporter(TextWriter output) : IStepReporter
{
    public T Step<T>(string title, Func<T> action)
    {
        output.WriteLine($" • {title} ...");
        var watch = Stopwatch.StartNew();
        try
        {
            var result = action();
            output.WriteLine($" ✓ {title} ({watch.ElapsedMilliseconds} ms)");
            return result;
        }
        catch
        {
            output.WriteLine($" ✗ {title}");
            throw;
        }
    }

    public void Info(string line) => output.WriteLine(line);
}

/// <summary>A spinner per step on a terminal (Spectre.Console), a check mark and the time when done.</summary>
public sealed class SpinnerStepReporter(TextWriter output) : IStepReporter
{
    private readonly IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

    public T Step<T>(string title, Func<T> action)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var result = console.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(title), _ => action());
            console.MarkupLine($" [green]✓[/] {Markup.Escape(title)} [grey]({watch.ElapsedMilliseconds} ms)[/]");
            return result;
        }
        catch
        {
            console.MarkupLine($" [red]✗[/] {Markup.Escape(title)}");
            throw;
        }
    }

    public void Info(string line) => console.WriteLine(line);
}

/// <summary>For clean-up and undo steps that report nothing of their own.</summary>
public sealed class SilentStepReporter : IStepReporter
{
    public T Step<T>(string title, Func<T> action) => action();

    public void Info(string line)
    {
    }
}
