"""The client capabilities Helix sends in `initialize`, for protocol-level tests.

Helix is not packaged for Debian, PyPI or npm, so its behaviour is reproduced at protocol level.
Transcribed from `helix-lsp/src/client.rs` (`Client::initialize`, helix-editor/helix master of
2025): no code lens support, no `window.showDocument` (Helix handles it but does not advertise
it), work-done progress on, UTF-8 offered first among position encodings, and
`clientInfo.name == "helix"`. Helix sends `"arguments": []` with `workspace/executeCommand`
from its command picker.
"""

from __future__ import annotations

from lsprotocol import types

CLIENT_INFO = types.ClientInfo(name="helix", version="25.07.1")


def helix_capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(
                dynamic_registration=False
            ),
            workspace_folders=True,
            apply_edit=True,
            symbol=types.WorkspaceSymbolClientCapabilities(dynamic_registration=False),
            execute_command=types.ExecuteCommandClientCapabilities(dynamic_registration=False),
            inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=False),
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[
                    types.ResourceOperationKind.Create,
                    types.ResourceOperationKind.Rename,
                    types.ResourceOperationKind.Delete,
                ],
                failure_handling=types.FailureHandlingKind.Abort,
                normalizes_line_endings=False,
            ),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True, relative_pattern_support=False
            ),
            file_operations=types.FileOperationClientCapabilities(
                will_rename=True, did_rename=True
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    snippet_support=True,
                    resolve_support=types.ClientCompletionItemResolveOptions(
                        properties=["documentation", "detail", "additionalTextEdits"]
                    ),
                    insert_replace_support=True,
                    deprecated_support=True,
                    tag_support=types.CompletionItemTagOptions(
                        value_set=[types.CompletionItemTag.Deprecated]
                    ),
                ),
                completion_item_kind=types.ClientCompletionItemOptionsKind(),
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            signature_help=types.SignatureHelpClientCapabilities(
                signature_information=types.ClientSignatureInformationOptions(
                    documentation_format=[types.MarkupKind.Markdown],
                    parameter_information=types.ClientSignatureParameterInformationOptions(
                        label_offset_support=True
                    ),
                    active_parameter_support=True,
                )
            ),
            rename=types.RenameClientCapabilities(
                dynamic_registration=False, prepare_support=True, honors_change_annotations=False
            ),
            formatting=types.DocumentFormattingClientCapabilities(dynamic_registration=False),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[
                            types.CodeActionKind.Empty,
                            types.CodeActionKind.QuickFix,
                            types.CodeActionKind.Refactor,
                            types.CodeActionKind.RefactorExtract,
                            types.CodeActionKind.RefactorInline,
                            types.CodeActionKind.RefactorRewrite,
                            types.CodeActionKind.Source,
                            types.CodeActionKind.SourceOrganizeImports,
                        ]
                    )
                ),
                is_preferred_support=True,
                disabled_support=True,
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(
                    properties=["edit", "command"]
                ),
            ),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True,
                tag_support=types.ClientDiagnosticsTagOptions(
                    value_set=[types.DiagnosticTag.Unnecessary, types.DiagnosticTag.Deprecated]
                ),
            ),
            inlay_hint=types.InlayHintClientCapabilities(dynamic_registration=False),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        general=types.GeneralClientCapabilities(
            position_encodings=[
                types.PositionEncodingKind.Utf8,
                types.PositionEncodingKind.Utf32,
                types.PositionEncodingKind.Utf16,
            ]
        ),
    )
