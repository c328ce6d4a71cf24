"""The ``chatbot`` app: the bot (``bot``) and the view Bitrix24 posts to (``views``)."""
