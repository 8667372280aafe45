@{
    RootModule           = 'TempSweep.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '8cea0721-6e9d-4519-89bf-193cc8073c38'
    Author               = 'tempsweep contributors'
    Copyright            = '(c) tempsweep contributors'
    Description          = 'PowerShell functions around the tempsweep binary: list, filter, service gates and safe deletion of orphaned temporary files, as objects.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @(
        'Get-TempSweepFile',
        'Select-TempSweepRecord',
        'Test-TempSweepService',
        'Remove-TempSweepFile',
        'ConvertTo-TempSweepRecord',
        'Set-TempSweepExecutable',
        'Get-TempSweepExecutable'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('tempsweep', 'temp', 'cleanup', 'Exchange', 'OWA', 'Windows', 'Linux')
        }
    }
}
