#Requires -Version 5.1
<#
.SYNOPSIS
Registers a scheduled task that runs Invoke-WebtempCleanup.ps1 as SYSTEM.

.DESCRIPTION
Creates (or with -Force replaces) a task in the Task Scheduler with the
ScheduledTasks module. The task runs Windows PowerShell with -NoProfile
-NonInteractive -ExecutionPolicy Bypass -File on the cleanup script, as
NT AUTHORITY\SYSTEM with the highest privileges, at most one instance at a
time, and stops it after -TimeLimitMinutes.

Two schedules:

-Daily -At 03:30 runs the cleanup every day. The script stops W3SVC and WLBS
for the few seconds the deletion takes and starts them again.

-AtStartup runs it when the computer boots. A startup task cannot be
ordered before a service: the Task Scheduler starts it while the automatic
services are still starting. Two ways to clean before IIS serves requests:

  - default: W3SVC and WLBS stay automatic and the script stops them,
    cleans, and starts them again. Add -DelayServices to set both to
    "Automatic (Delayed Start)" (about two minutes after boot), so that the
    cleanup usually finishes before they start and the stop is a no-op.
    Usually, not always: delayed start is a delay, not an ordering.
  - -ManualStart sets W3SVC and WLBS to Manual and passes -StartService to
    the script, which starts both after the cleanup. This is the only
    strict ordering, but if the task fails to run, the services stay
    stopped until someone starts them. Undo with
    Set-Service W3SVC -StartupType Automatic.

.PARAMETER AtStartup
Runs the task at every boot.

.PARAMETER Daily
Runs the task every day at -At.

.PARAMETER At
Time of day for -Daily, for example 03:30.

.PARAMETER DelayServices
With -AtStartup: sets the services to Automatic (Delayed Start) with sc.exe.

.PARAMETER ManualStart
With -AtStartup: sets the services to Manual and lets the script start them.

.PARAMETER ServiceName
Services whose start type -DelayServices or -ManualStart changes. Default W3SVC, WLBS.

.PARAMETER ScriptPath
The cleanup script. Default: Invoke-WebtempCleanup.ps1 next to this script.

.PARAMETER ScriptArgument
More arguments for the cleanup script, for example '-OlderThan', '2d', '-MissingOk'.

.PARAMETER TaskName
Default "tempsweep Webtemp cleanup".

.PARAMETER TaskPath
Task Scheduler folder. Default \tempsweep\.

.PARAMETER TimeLimitMinutes
The task is stopped after this many minutes. Default 60.

.PARAMETER Force
Replaces an existing task with the same name.

.EXAMPLE
.\Register-TempSweepTask.ps1 -Daily -At 03:30 -ScriptArgument '-OlderThan', '1d'

.EXAMPLE
.\Register-TempSweepTask.ps1 -AtStartup -ManualStart -ScriptArgument '-MissingOk'

.EXAMPLE
.\Register-TempSweepTask.ps1 -AtStartup -DelayServices -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Daily')]
param(
    [Parameter(Mandatory = $true, ParameterSetName = 'Startup')]
    [switch] $AtStartup,

    [Parameter(ParameterSetName = 'Startup')]
    [switch] $DelayServices,

    [Parameter(ParameterSetName = 'Startup')]
    [switch] $ManualStart,

    [Parameter(Mandatory = $true, ParameterSetName = 'Daily')]
    [switch] $Daily,

    [Parameter(Mandatory = $true, ParameterSetName = 'Daily')]
    [datetime] $At,

    [string[]] $ServiceName = @('W3SVC', 'WLBS'),

    [string] $ScriptPath = (Join-Path -Path $PSScriptRoot -ChildPath 'Invoke-WebtempCleanup.ps1'),

    [string[]] $ScriptArgument = @(),

    [string] $TaskName = 'tempsweep Webtemp cleanup',

    [string] $TaskPath = '\tempsweep\',

    [ValidateRange(1, 1440)]
    [int] $TimeLimitMinutes = 60,

    [switch] $Force
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function ConvertTo-TaskArgument {
    # Quotes one argument for powershell.exe's command line.
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Value)
    if ($Value.Length -gt 0 -and $Value -notmatch '[\s"]') {
        return $Value
    }
    return '"' + ($Value -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
}

if ($DelayServices -and $ManualStart) {
    throw [System.ArgumentException]::new('Use either -DelayServices or -ManualStart, not both.')
}
$script = (Resolve-Path -LiteralPath $ScriptPath).ProviderPath
$powershell = Join-Path -Path $env:SystemRoot -ChildPath 'System32\WindowsPowerShell\v1.0\powershell.exe'

$existing = Get-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath -ErrorAction SilentlyContinue
if ($null -ne $existing -and -not $Force) {
    throw [System.InvalidOperationException]::new(('The task {0}{1} exists. Pass -Force to replace it.' -f $TaskPath, $TaskName))
}

$scriptArguments = New-Object System.Collections.Generic.List[string]
foreach ($argument in $ScriptArgument) {
    $scriptArguments.Add($argument)
}
if ($ManualStart -and -not ($scriptArguments -contains '-StartService')) {
    $scriptArguments.Add('-StartService')
}
$commandLine = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', (ConvertTo-TaskArgument $script))
foreach ($argument in $scriptArguments) {
    $commandLine += ConvertTo-TaskArgument $argument
}

$action = New-ScheduledTaskAction -Execute $powershell -Argument ($commandLine -join ' ') -WorkingDirectory (Split-Path -Path $script -Parent)
if ($AtStartup) {
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $description = 'Removes orphaned OWA *.mmp files at boot with tempsweep.'
}
else {
    $trigger = New-ScheduledTaskTrigger -Daily -At $At
    $description = 'Removes orphaned OWA *.mmp files daily with tempsweep.'
}
$principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Minutes $TimeLimitMinutes) -MultipleInstances IgnoreNew -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries

if ($PSCmdlet.ShouldProcess(('{0}{1}' -f $TaskPath, $TaskName), 'Register scheduled task')) {
    Register-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath -Action $action -Trigger $trigger -Principal $principal -Settings $settings -Description $description -Force:$Force
}

if ($DelayServices -or $ManualStart) {
    foreach ($name in $ServiceName) {
        $service = Get-Service -Name $name -ErrorAction SilentlyContinue
        if ($null -eq $service) {
            Write-Warning ('Service {0} not found; its start type was not changed.' -f $name)
            continue
        }
        if ($ManualStart) {
            if ($PSCmdlet.ShouldProcess($name, 'Set start type to Manual')) {
                Set-Service -Name $name -StartupType Manual
            }
            continue
        }
        # Set-Service has no delayed start type in Windows PowerShell 5.1.
        if ($PSCmdlet.ShouldProcess($name, 'Set start type to Automatic (Delayed Start)')) {
            & "$env:SystemRoot\System32\sc.exe" config $name start= delayed-auto | Out-Null
            if ($LASTEXITCODE -ne 0) {
                Write-Error -Message ('sc.exe config {0} start= delayed-auto failed with exit code {1}.' -f $name, $LASTEXITCODE) -Category InvalidResult -ErrorAction Continue
            }
        }
    }
}
